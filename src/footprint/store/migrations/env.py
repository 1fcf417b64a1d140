"""Alembic environment: footprint runs migrations programmatically (`footprint db upgrade`),
handing over an open connection in config.attributes["connection"]."""

from __future__ import annotations

from alembic import context

from footprint.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `footprint db upgrade`")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
)
with context.begin_transaction():
    context.run_migrations()

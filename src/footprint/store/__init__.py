"""Persistence for the operation: SQLAlchemy models, the unit of work, Alembic migrations."""

from footprint.store.database import Database

__all__ = ["Database"]

"""A search, seized device or charge recorded in error is withdrawn with a reason, never edited
or deleted: who withdrew it, when and why.

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

TABLES = ("property_searches", "seized_devices", "charges")
COLUMNS = (
    ("withdrawn_at", sa.DateTime(timezone=True)),
    ("withdrawn_by", sa.String(80)),
    ("withdrawn_reason", sa.String(400)),
)


def upgrade() -> None:
    for table in TABLES:
        for name, kind in COLUMNS:
            op.add_column(table, sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    for table in TABLES:
        for name, _kind in reversed(COLUMNS):
            op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")

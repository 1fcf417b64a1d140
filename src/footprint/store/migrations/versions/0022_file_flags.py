"""A graded file's flags, set by examiners with a reason (audited): the victim is identified,
the series it belongs to, and whether it is new material for the national database (null: by
the rule, a grade people settled as indecent with no known set's match).

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

TABLES = ("referral_files", "scan_files")
COLUMNS = (
    ("victim_identified", sa.Boolean()),
    ("series", sa.String(200)),
    ("new_material", sa.Boolean()),
)


def upgrade() -> None:
    # plain ADD/DROP COLUMN on both databases: a batch copy of a table that votes refer to would
    # trip SQLite's foreign keys
    for table in TABLES:
        for name, kind in COLUMNS:
            op.add_column(table, sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    for table in TABLES:
        for name, _kind in reversed(COLUMNS):
            op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")

"""The day a case's step happened (an arrest on Monday recorded on Tuesday), so that bail cannot
start before the arrest it follows. Null for steps recorded before: their recording day stands.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("case_events", sa.Column("happened_on", sa.Date(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE case_events DROP COLUMN happened_on")

"""A graded file keeps the name of its entry in the negative bank when a person rejects its
match: a device's file whose rejection is carried to the scan linked next keeps the entry it
was rejected under, so undoing it there takes the right entry out of the bank. Files rejected
before keep null: their entry is named from their own id, as it was.

Revision ID: 0029
Revises: 0028
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("referral_files", "scan_files"):
        op.add_column(table, sa.Column("bank_entry", sa.String(80)))


def downgrade() -> None:
    for table in ("referral_files", "scan_files"):
        op.drop_column(table, "bank_entry")

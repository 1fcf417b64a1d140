"""A force's packages by deadline: its dashboard and package list read the soonest first, a
page at a time, walking this index instead of sorting every package the force holds.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_intel_packages_force_deadline", "intel_packages", ["force_id", "deadline", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_intel_packages_force_deadline", "intel_packages")

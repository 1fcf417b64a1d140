"""Intelligence packages and their transfers between forces.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intel_packages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "subject_id", sa.Integer, sa.ForeignKey("subjects.id"), nullable=False, index=True
        ),
        sa.Column(
            "force_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False, index=True
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("snapshot", sa.JSON, nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(80), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True)),
        sa.Column("acknowledged_by", sa.String(80)),
    )
    op.create_table(
        "package_transfers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "package_id", sa.Integer, sa.ForeignKey("intel_packages.id"), nullable=False, index=True
        ),
        sa.Column("from_force", sa.String(16), nullable=False),
        sa.Column("to_force", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("transferred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("transferred_by", sa.String(80), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("package_transfers")
    op.drop_table("intel_packages")

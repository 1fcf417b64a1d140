"""Subjects, their referrals with provenance, and merges that can be undone.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subjects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "operation_id", sa.Integer, sa.ForeignKey("operations.id"), nullable=False, index=True
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("merged_into_id", sa.Integer, sa.ForeignKey("subjects.id")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "subject_referrals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "subject_id", sa.Integer, sa.ForeignKey("subjects.id"), nullable=False, index=True
        ),
        sa.Column(
            "referral_id", sa.Integer, sa.ForeignKey("referrals.id"), nullable=False, unique=True
        ),
        sa.Column("reason", sa.String(400), nullable=False),
    )
    op.create_table(
        "subject_merges",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "survivor_id", sa.Integer, sa.ForeignKey("subjects.id"), nullable=False, index=True
        ),
        sa.Column("absorbed_id", sa.Integer, sa.ForeignKey("subjects.id"), nullable=False),
        sa.Column("reason", sa.String(400), nullable=False),
        sa.Column("moved_referral_ids", sa.JSON, nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("merged_by", sa.String(80), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True)),
        sa.Column("undone_by", sa.String(80)),
    )


def downgrade() -> None:
    for table in ("subject_merges", "subject_referrals", "subjects"):
        op.drop_table(table)

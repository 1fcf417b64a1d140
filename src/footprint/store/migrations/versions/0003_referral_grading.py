"""Grading of referral files: engine matches and human votes.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("referral_files") as table:
        table.add_column(
            sa.Column("grade_status", sa.String(16), nullable=False, server_default="ungraded")
        )
        table.add_column(sa.Column("category", sa.String(24)))
        table.add_column(sa.Column("match_set", sa.String(120)))
        table.add_column(sa.Column("match_record_id", sa.String(80)))
        table.add_column(sa.Column("match_kind", sa.String(8)))
        table.add_column(sa.Column("match_distance", sa.Integer))
        table.add_column(sa.Column("graded_at", sa.DateTime(timezone=True)))
        table.create_index("ix_referral_files_grade_status", ["grade_status"])
    op.create_table(
        "grading_votes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "referral_file_id",
            sa.Integer,
            sa.ForeignKey("referral_files.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("grader", sa.String(80), nullable=False),
        sa.Column("category", sa.String(24), nullable=False),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("grading_votes")
    with op.batch_alter_table("referral_files") as table:
        table.drop_index("ix_referral_files_grade_status")
        for column in (
            "graded_at",
            "match_distance",
            "match_kind",
            "match_record_id",
            "match_set",
            "category",
            "grade_status",
        ):
            table.drop_column(column)

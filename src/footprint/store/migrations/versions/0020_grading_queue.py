"""Grading by people: a seized device's files that people act on (scan_files), votes on them
as on referral files, a supervisor's resolution of a dispute (a vote of kind 'resolution' with
its reason), and an examiner's decision on a match (confirmed, or rejected as a false
positive) with the known record's category kept for an undo.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# the columns a graded file gains beyond those referral_files already had
DECISION_COLUMNS = (
    ("match_category", sa.String(24)),
    ("match_decision", sa.String(16)),
    ("decision_reason", sa.String(400)),
    ("decided_by", sa.String(80)),
    ("decided_at", sa.DateTime(timezone=True)),
)


def _graded_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("grade_status", sa.String(16), nullable=False),
        sa.Column("category", sa.String(24)),
        sa.Column("match_set", sa.String(120)),
        sa.Column("match_record_id", sa.String(80)),
        sa.Column("match_kind", sa.String(24)),
        sa.Column("match_distance", sa.Integer()),
        sa.Column("graded_at", sa.DateTime(timezone=True)),
        *(sa.Column(name, kind) for name, kind in DECISION_COLUMNS),
    ]


def upgrade() -> None:
    op.create_table(
        "scan_files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("device_id", sa.Integer(), sa.ForeignKey("seized_devices.id"), nullable=False),
        sa.Column("finding_index", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("media_type", sa.String(80)),
        sa.Column("md5", sa.String(32)),
        sa.Column("pdq", sa.String(64)),
        *_graded_columns(),
        sa.UniqueConstraint("device_id", "finding_index"),
    )
    op.create_index("ix_scan_files_device_id", "scan_files", ["device_id"])
    op.create_index("ix_scan_files_grade_status", "scan_files", ["grade_status"])
    for name, kind in DECISION_COLUMNS:
        op.add_column("referral_files", sa.Column(name, kind))
    # grading_votes is copied over on SQLite (batch) to lift NOT NULL from referral_file_id:
    # no table points at it, unlike referral_files (see 0019)
    with op.batch_alter_table("grading_votes") as batch:
        batch.add_column(sa.Column("scan_file_id", sa.Integer()))
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="vote"))
        batch.add_column(sa.Column("reason", sa.String(400)))
        batch.alter_column("referral_file_id", existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key(
            "fk_grading_votes_scan_file", "scan_files", ["scan_file_id"], ["id"]
        )
        batch.create_index("ix_grading_votes_scan_file_id", ["scan_file_id"])


def downgrade() -> None:
    op.execute("DELETE FROM grading_votes WHERE referral_file_id IS NULL")
    with op.batch_alter_table("grading_votes") as batch:
        batch.drop_index("ix_grading_votes_scan_file_id")
        batch.drop_constraint("fk_grading_votes_scan_file", type_="foreignkey")
        batch.alter_column("referral_file_id", existing_type=sa.Integer(), nullable=False)
        for column in ("reason", "kind", "scan_file_id"):
            batch.drop_column(column)
    for name, _kind in DECISION_COLUMNS:
        op.execute(f"ALTER TABLE referral_files DROP COLUMN {name}")
    op.drop_index("ix_scan_files_grade_status", "scan_files")
    op.drop_index("ix_scan_files_device_id", "scan_files")
    op.drop_table("scan_files")

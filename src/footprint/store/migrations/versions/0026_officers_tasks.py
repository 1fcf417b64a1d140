"""Daily casework: an officer in charge on every case (with the history of who held it) and
tasks with owners and due days.

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("officer", sa.String(80)))
    op.create_index("ix_cases_officer", "cases", ["officer"])
    # a case opened before officers were kept has the person who opened it in charge
    op.execute("UPDATE cases SET officer = opened_by")
    op.create_table(
        "case_assignments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("officer", sa.String(80), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_by", sa.String(80), nullable=False),
        sa.Column("reason", sa.String(400)),
    )
    op.create_index("ix_case_assignments_case_id", "case_assignments", ["case_id"])
    op.execute(
        "INSERT INTO case_assignments (case_id, officer, assigned_at, assigned_by, reason) "
        "SELECT id, opened_by, opened_at, opened_by, 'opened the case' FROM cases"
    )
    op.create_table(
        "case_tasks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("force_id", sa.Integer(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(80), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        sa.Column("done_by", sa.String(80)),
        sa.Column("done_note", sa.String(400)),
    )
    op.create_index("ix_case_tasks_case_id", "case_tasks", ["case_id"])
    op.create_index("ix_case_tasks_force_owner_due", "case_tasks", ["force_id", "owner", "due_on"])


def downgrade() -> None:
    op.drop_table("case_tasks")
    op.drop_table("case_assignments")
    op.drop_index("ix_cases_officer", "cases")
    op.execute("ALTER TABLE cases DROP COLUMN officer")  # in place: other tables point at cases

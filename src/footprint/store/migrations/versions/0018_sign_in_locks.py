"""Sign-in failures and locks per account and source (the client's address), not per account:
five wrong passwords from anyone used to lock the account for everyone, so anyone could lock
the coordinator out. The account-wide columns go.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_locks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locks", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("user_id", "source", name="uq_sign_in_locks_user_source"),
    )
    with op.batch_alter_table("users") as batch:
        batch.drop_column("failed_sign_ins")
        batch.drop_column("locked_until")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("failed_sign_ins", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    op.drop_table("sign_in_locks")

"""A referral file's signals as rows of (kind, value), as the known-hash store keeps them: the
md5, sha1, sha256 and pdq columns move into referral_file_signals, so that a new kind of signal
needs no new column. match_kind widens to hold any kind's name.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

KINDS = {"md5": 32, "sha1": 40, "sha256": 64, "pdq": 64}  # the columns, with their widths


def upgrade() -> None:
    op.create_table(
        "referral_file_signals",
        sa.Column("file_id", sa.Integer(), sa.ForeignKey("referral_files.id"), primary_key=True),
        sa.Column("kind", sa.String(24), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_index("ix_referral_file_signals_value", "referral_file_signals", ["kind", "value"])
    for kind in KINDS:
        op.execute(
            f"INSERT INTO referral_file_signals (file_id, kind, value) "
            f"SELECT id, '{kind}', {kind} FROM referral_files WHERE {kind} IS NOT NULL"
        )
    # Plain ALTERs, never SQLite's copy-the-table batch: other tables hold foreign keys to
    # referral_files, and SQLite cannot drop a table they point at (its lengths are not enforced,
    # so match_kind needs no change there).
    sqlite = op.get_bind().dialect.name == "sqlite"
    for kind in KINDS:
        op.execute(f"ALTER TABLE referral_files DROP COLUMN {kind}")
    if not sqlite:
        op.alter_column(
            "referral_files", "match_kind", type_=sa.String(24), existing_type=sa.String(8)
        )


def downgrade() -> None:
    for kind, width in KINDS.items():
        op.execute(f"ALTER TABLE referral_files ADD COLUMN {kind} VARCHAR({width})")
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(
            "referral_files", "match_kind", type_=sa.String(8), existing_type=sa.String(24)
        )
    for kind in KINDS:
        op.execute(
            f"UPDATE referral_files SET {kind} = (SELECT s.value FROM referral_file_signals s "
            f"WHERE s.file_id = referral_files.id AND s.kind = '{kind}')"
        )
    op.drop_index("ix_referral_file_signals_value", "referral_file_signals")
    op.drop_table("referral_file_signals")

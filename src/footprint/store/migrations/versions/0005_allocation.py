"""Allocation: postcode areas and the force a subject is allocated to.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "postcode_areas",
        sa.Column("postcode", sa.String(8), primary_key=True),
        sa.Column("pfa", sa.String(9), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
    )
    with op.batch_alter_table("subjects") as table:
        table.add_column(sa.Column("force_id", sa.Integer))
        table.add_column(sa.Column("allocation_source", sa.String(16)))
        table.add_column(sa.Column("allocation_detail", sa.String(400)))
        table.add_column(sa.Column("allocated_at", sa.DateTime(timezone=True)))
        table.create_foreign_key("fk_subjects_force", "organisations", ["force_id"], ["id"])
        table.create_index("ix_subjects_force_id", ["force_id"])


def downgrade() -> None:
    with op.batch_alter_table("subjects") as table:
        table.drop_index("ix_subjects_force_id")
        table.drop_constraint("fk_subjects_force", type_="foreignkey")
        for column in ("allocated_at", "allocation_detail", "allocation_source", "force_id"):
            table.drop_column(column)
    op.drop_table("postcode_areas")

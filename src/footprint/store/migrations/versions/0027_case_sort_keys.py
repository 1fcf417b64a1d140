"""A case keeps its package's risk band and deadline (both frozen when the package is issued),
so that a force's case list sorts by them without reading every package: PostgreSQL hashed the
whole packages table to sort one force's cases by risk (30 ms at 100,000 cases).

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("risk_band", sa.String(16)))
    op.add_column("cases", sa.Column("deadline", sa.DateTime(timezone=True)))
    op.execute(
        "UPDATE cases SET "
        "risk_band = (SELECT p.risk_band FROM intel_packages p WHERE p.id = cases.package_id), "
        "deadline = (SELECT p.deadline FROM intel_packages p WHERE p.id = cases.package_id)"
    )
    op.create_index("ix_cases_force_deadline", "cases", ["force_id", "deadline", "id"])


def downgrade() -> None:
    op.drop_index("ix_cases_force_deadline", "cases")
    op.execute("ALTER TABLE cases DROP COLUMN deadline")  # in place: other tables point at cases
    op.execute("ALTER TABLE cases DROP COLUMN risk_band")

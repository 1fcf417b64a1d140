"""Intelligence packages carry their risk band as a column (dashboards count by it), filled in
from each package's snapshot.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intel_packages") as batch:
        batch.add_column(sa.Column("risk_band", sa.String(16), nullable=False, server_default=""))
        batch.create_index("ix_intel_packages_risk_band", ["risk_band"])
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, snapshot FROM intel_packages")).all()
    for package_id, snapshot in rows:
        content = json.loads(snapshot) if isinstance(snapshot, str) else snapshot
        connection.execute(
            sa.text("UPDATE intel_packages SET risk_band = :band WHERE id = :id"),
            {"band": (content.get("risk") or {}).get("band", ""), "id": package_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("intel_packages") as batch:
        batch.drop_index("ix_intel_packages_risk_band")
        batch.drop_column("risk_band")

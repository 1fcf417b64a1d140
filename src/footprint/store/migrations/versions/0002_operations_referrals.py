"""Operations and referral intake.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ZONED = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "operations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", ZONED, nullable=False),
    )
    op.create_table(
        "operation_forces",
        sa.Column("operation_id", sa.Integer, sa.ForeignKey("operations.id"), primary_key=True),
        sa.Column(
            "organisation_id", sa.Integer, sa.ForeignKey("organisations.id"), primary_key=True
        ),
    )
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "operation_id", sa.Integer, sa.ForeignKey("operations.id"), nullable=False, index=True
        ),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("report_id", sa.String(80), nullable=False),
        sa.Column("incident_type", sa.String(200)),
        sa.Column("incident_at", ZONED),
        sa.Column("received_at", ZONED, nullable=False),
        sa.Column("prior_report_ids", sa.JSON, nullable=False),
        sa.UniqueConstraint("source", "report_id"),
    )
    op.create_table(
        "referral_identifiers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "referral_id", sa.Integer, sa.ForeignKey("referrals.id"), nullable=False, index=True
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("value", sa.String(320), nullable=False, index=True),
    )
    op.create_table(
        "referral_ip_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "referral_id", sa.Integer, sa.ForeignKey("referrals.id"), nullable=False, index=True
        ),
        sa.Column("ip", sa.String(45), nullable=False, index=True),
        sa.Column("port", sa.Integer),
        sa.Column("at", ZONED, nullable=False),
        sa.Column("event", sa.String(40)),
        sa.Column("possible_proxy", sa.Boolean),
    )
    op.create_table(
        "referral_files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "referral_id", sa.Integer, sa.ForeignKey("referrals.id"), nullable=False, index=True
        ),
        sa.Column("file_name", sa.String(400)),
        sa.Column("md5", sa.String(32)),
        sa.Column("sha1", sa.String(40)),
        sa.Column("sha256", sa.String(64)),
        sa.Column("pdq", sa.String(64)),
        sa.Column("photodna", sa.Text),
        sa.Column("industry_classification", sa.String(8)),
        sa.Column("uploaded_at", ZONED),
    )
    op.create_table(
        "referral_postcodes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "referral_id", sa.Integer, sa.ForeignKey("referrals.id"), nullable=False, index=True
        ),
        sa.Column("postcode", sa.String(8), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "referral_postcodes",
        "referral_files",
        "referral_ip_events",
        "referral_identifiers",
        "referrals",
        "operation_forces",
        "operations",
    ):
        op.drop_table(table)

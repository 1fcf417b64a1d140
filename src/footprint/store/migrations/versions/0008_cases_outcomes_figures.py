"""Cases with their workflow events, outcomes, bail, safeguarding, and published figures.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _fk(name: str, target: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer, sa.ForeignKey(target), nullable=False, index=True)


def _by(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(80), nullable=False)


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("package_id", "intel_packages.id"),
        _fk("subject_id", "subjects.id"),
        _fk("operation_id", "operations.id"),
        _fk("force_id", "organisations.id"),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        _by("opened_by"),
        sa.Column("position_of_trust", sa.Boolean, nullable=False),
        sa.Column("position_of_trust_detail", sa.Text),
        sa.Column("registered_sex_offender", sa.Boolean, nullable=False),
    )
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("case_id", "cases.id"),
        sa.Column("from_state", sa.String(32)),
        sa.Column("to_state", sa.String(32), nullable=False, index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _by("by"),
        sa.Column("note", sa.Text),
    )
    op.create_table(
        "property_searches",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("case_id", "cases.id"),
        sa.Column("address", sa.String(400), nullable=False),
        sa.Column("searched_on", sa.Date, nullable=False),
        _by("recorded_by"),
    )
    op.create_table(
        "seized_devices",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("case_id", "cases.id"),
        sa.Column("exhibit_ref", sa.String(80), nullable=False),
        sa.Column("description", sa.String(400), nullable=False),
        sa.Column("seized_on", sa.Date, nullable=False),
        _by("recorded_by"),
        sa.Column("scan_dir", sa.Text),
        sa.Column("scan_summary_sha256", sa.String(64)),
        sa.Column("scan_counts", sa.JSON),
    )
    op.create_table(
        "charges",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("case_id", "cases.id"),
        sa.Column("offence", sa.String(40), nullable=False),
        sa.Column("images_a", sa.Integer, nullable=False),
        sa.Column("images_b", sa.Integer, nullable=False),
        sa.Column("images_c", sa.Integer, nullable=False),
        sa.Column("charged_on", sa.Date, nullable=False),
        _by("recorded_by"),
    )
    op.create_table(
        "bail",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("case_id", "cases.id"),
        sa.Column("started_on", sa.Date, nullable=False),
        sa.Column("expires_on", sa.Date, nullable=False, index=True),
        sa.Column("conditions", sa.JSON, nullable=False),
        sa.Column("authorised_by", sa.String(120), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("ended_on", sa.Date),
    )
    op.create_table(
        "bail_extensions",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("bail_id", "bail.id"),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("expires_on", sa.Date, nullable=False),
        sa.Column("authorised_by", sa.String(120), nullable=False),
        sa.Column("authority", sa.String(60), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _by("recorded_by"),
    )
    op.create_table(
        "children_safeguarded",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("case_id", "cases.id"),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("age_band", sa.String(8), nullable=False),
        sa.Column("relationship_to_subject", sa.String(40), nullable=False),
        sa.Column("immediate_risk", sa.Boolean, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _by("recorded_by"),
    )
    op.create_table(
        "safeguarding_actions",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("case_id", "cases.id"),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("action_on", sa.Date, nullable=False),
        sa.Column("owner", sa.String(120), nullable=False),
        sa.Column("note", sa.Text),
        _by("recorded_by"),
    )
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("operation_id", "operations.id"),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        _by("published_by"),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("rounded", sa.Boolean, nullable=False),
        sa.Column("table", sa.JSON, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "publications",
        "safeguarding_actions",
        "children_safeguarded",
        "bail_extensions",
        "bail",
        "charges",
        "seized_devices",
        "property_searches",
        "case_events",
        "cases",
    ):
        op.drop_table(table)

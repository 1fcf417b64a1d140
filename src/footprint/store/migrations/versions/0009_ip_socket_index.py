"""Index IP events by address and port: incremental subject resolution looks them up together.
The index on the address alone is dropped: the new one serves look-ups by address as well.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_referral_ip_events_socket", "referral_ip_events", ["ip", "port"])
    op.drop_index("ix_referral_ip_events_ip", "referral_ip_events")


def downgrade() -> None:
    op.create_index("ix_referral_ip_events_ip", "referral_ip_events", ["ip"])
    op.drop_index("ix_referral_ip_events_socket", "referral_ip_events")

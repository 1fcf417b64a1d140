"""A postcode is looked up across every operation (deconfliction): its referrals are found
through an index, as identifiers and IP addresses are.

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_referral_postcodes_postcode", "referral_postcodes", ["postcode"])


def downgrade() -> None:
    op.drop_index("ix_referral_postcodes_postcode", "referral_postcodes")

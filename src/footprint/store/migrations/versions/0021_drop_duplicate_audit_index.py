"""audit_entries carried the same (record_type, record_id) index twice: 0001 made
audit_entries_record and 0014 ix_audit_entries_record. Every audit append paid for both; the
first goes (found by comparing the migrated schema with the models:
tests/store/test_schema_matches_models.py).

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("audit_entries_record", "audit_entries")


def downgrade() -> None:
    op.create_index("audit_entries_record", "audit_entries", ["record_type", "record_id"])

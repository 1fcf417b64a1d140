"""Audit entries by record and by organisation (the audit log viewer's filters).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_entries_record", "audit_entries", ["record_type", "record_id"])
    op.create_index("ix_audit_entries_organisation", "audit_entries", ["organisation", "seq"])


def downgrade() -> None:
    op.drop_index("ix_audit_entries_organisation", "audit_entries")
    op.drop_index("ix_audit_entries_record", "audit_entries")

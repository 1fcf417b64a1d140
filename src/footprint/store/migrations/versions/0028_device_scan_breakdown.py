"""A seized device keeps its files' breakdown per category (files and distinct contents, still
and moving images, deleted files) beside the counts, for the prosecutor's case file, and each of
its scan files whether the evidence listed it as deleted. The devices linked before get their
breakdown counted here from their rows; whether those rows were deleted is not known (null), and
the breakdown says so.

Revision ID: 0028
Revises: 0027
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

# as they stood at this revision (hashsets.model.SEVERITY, FileGrade's counted statuses)
CATEGORIES = (
    "A", "B", "C", "indecent-uncategorised", "age-difficult", "uncategorised", "non-pertinent",
)  # fmt: skip
COUNTED = "grade_status IN ('matched', 'settled') AND category IS NOT NULL"
FORM = (
    "CASE WHEN media_type LIKE 'image/%' THEN 'still' "
    "WHEN media_type LIKE 'video/%' THEN 'moving' ELSE 'other' END"
)
CONTENT = "COUNT(DISTINCT COALESCE(md5, CAST(id AS VARCHAR(20))))"


def upgrade() -> None:
    op.add_column("seized_devices", sa.Column("scan_breakdown", sa.JSON()))
    op.add_column("scan_files", sa.Column("deleted", sa.Boolean()))
    _count_linked_devices()


def _empty() -> dict[str, dict[str, Any]]:
    forms = ("still", "moving", "other")
    return {
        c: {"files": 0, "distinct": 0, **{f: {"files": 0, "distinct": 0} for f in forms}}
        | {"deleted_files": 0}
        for c in CATEGORIES
    }


def _count_linked_devices() -> None:
    bind = op.get_bind()
    linked = bind.execute(sa.text("SELECT id FROM seized_devices WHERE scan_dir IS NOT NULL"))
    found = {device: _empty() for (device,) in linked}
    per_form = bind.execute(
        sa.text(
            f"SELECT device_id, category, {FORM}, COUNT(*), {CONTENT} FROM scan_files "
            f"WHERE {COUNTED} GROUP BY device_id, category, {FORM}"
        )
    )
    for device, category, form, files, contents in per_form:
        if device in found and category in found[device]:
            found[device][category][form] = {"files": files, "distinct": contents}
    whole = bind.execute(
        sa.text(
            f"SELECT device_id, category, COUNT(*), {CONTENT} FROM scan_files "
            f"WHERE {COUNTED} GROUP BY device_id, category"
        )
    )
    for device, category, files, contents in whole:
        if device in found and category in found[device]:
            entry = found[device][category]
            entry.update(files=files, distinct=contents, deleted_files=None)  # not kept then
    update = sa.text("UPDATE seized_devices SET scan_breakdown = :b WHERE id = :id").bindparams(
        sa.bindparam("b", type_=sa.JSON())
    )
    for device, breakdown in found.items():
        bind.execute(update, {"b": breakdown, "id": device})


def downgrade() -> None:
    # in place: votes point at scan files, scan files at their device
    op.execute("ALTER TABLE scan_files DROP COLUMN deleted")
    op.execute("ALTER TABLE seized_devices DROP COLUMN scan_breakdown")

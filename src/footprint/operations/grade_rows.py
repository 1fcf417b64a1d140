"""A graded file's grade worked out from the votes on its row, by the domain's rule
(hashsets/grading.py): shared by the steps people take on a file (graded_files.py) and by a
scan's re-link, which carries the votes cast on a content before (carried_grades.py)."""

from __future__ import annotations

from datetime import datetime

from footprint.hashsets.grading import Resolution, settle
from footprint.hashsets.model import GradingVote, UnifiedCategory
from footprint.store.models import ReferralFileRow, ScanFile

GradedRow = ReferralFileRow | ScanFile


def settle_row(row: GradedRow, now: datetime) -> None:
    """The file's grade from its votes and the latest resolution, by the rule."""
    votes = [
        GradingVote(v.grader, UnifiedCategory(v.category)) for v in row.votes if v.kind == "vote"
    ]
    resolutions = [v for v in row.votes if v.kind == "resolution"]
    last = resolutions[-1] if resolutions else None
    resolution = (
        Resolution(last.grader, UnifiedCategory(last.category), last.reason or "") if last else None
    )
    grade = settle(votes, resolution)
    row.grade_status = str(grade.status)
    row.category = str(grade.category) if grade.category else None
    row.graded_at = now


def bank_entry_name(origin: str, file_id: int) -> str:
    """A rejected file's entry in the negative bank, named from the file it was rejected on."""
    return f"{origin}-file-{file_id}"

"""A linked triage scan's files that people act on, kept as rows (ScanFile): every file a known
set matched (its match may be confirmed or rejected) and every image or video no set knows
(graded by votes). The device's counts, and so the case's charging summary, are counted from
these rows: a settled grade adds a file, a rejected match takes one away."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import String, case, cast, delete, distinct, func, select
from sqlalchemy.orm import Session

from footprint.hashsets.grading import FileGrade
from footprint.hashsets.model import SEVERITY
from footprint.operations.carried_grades import carry, decided_before
from footprint.operations.scoping import held_by
from footprint.store.models import Case, GradingVoteRow, ScanFile, SeizedDevice
from footprint.triage.outputs import FINDINGS, iter_findings, signals_of
from footprint.triage.report import FORMS, file_category

COUNTED = (FileGrade.MATCHED, FileGrade.SETTLED)  # a file whose category stands


@dataclass(frozen=True, slots=True)
class TakenFiles:
    """A linked scan's rows: how many, and how many files took what people decided about their
    content on the scan linked before (with the decided contents this scan does not hold)."""

    files: int
    carried: dict[str, int]


def _gradable(finding: dict[str, Any]) -> bool:
    media = finding.get("media_type") or ""
    return media.startswith(("image/", "video/")) and not finding.get("error")


def _known_match(finding: dict[str, Any], category: str) -> dict[str, Any]:
    """The match that gave the file its category (the nearest of the most serious)."""
    known = [m for m in finding["matches"] if not m.get("ignore") and m["category"] == category]
    return min(known, key=lambda m: m["distance"])


def scan_file_row(device_id: int, index: int, finding: dict[str, Any]) -> ScanFile | None:
    """The row for one finding: matched, or an unknown image or video queued for graders;
    None for everything else (documents, errors, files only an ignore set knows)."""
    category = file_category(finding)
    if category is None and not (_gradable(finding) and not finding.get("matches")):
        return None
    signals = signals_of(finding)
    row = ScanFile(
        device_id=device_id,
        finding_index=index,
        path=finding["path"],
        media_type=finding.get("media_type"),
        md5=signals.get("md5"),
        pdq=signals.get("pdq"),
        deleted="deleted" in (finding.get("flags") or []),
        grade_status=str(FileGrade.QUEUED),
        graded_at=datetime.now(UTC),
    )
    if category is not None:
        match = _known_match(finding, category)
        row.grade_status = str(FileGrade.MATCHED)
        row.category = row.match_category = category
        row.match_set, row.match_record_id = match["set"], match.get("record_id")
        row.match_kind, row.match_distance = match["kind"], match["distance"]
    return row


def take_scan_files(session: Session, device: SeizedDevice, scan_dir: Path) -> TakenFiles:
    """Replace the device's rows with those of the scan now linked; what people decided about a
    content on the rows before is carried to its files in this scan (carried_grades.py)."""
    decided = decided_before(session, device)
    old = select(ScanFile.id).where(ScanFile.device_id == device.id)
    session.execute(delete(GradingVoteRow).where(GradingVoteRow.scan_file_id.in_(old)))
    session.execute(delete(ScanFile).where(ScanFile.device_id == device.id))
    rows, carried, now = [], Counter[str](), datetime.now(UTC)
    for index, finding in enumerate(iter_findings(scan_dir / FINDINGS)):
        row = scan_file_row(device.id, index, finding)
        if row is None:
            continue
        if row.md5 in decided:
            carried += carry(row, decided[row.md5], now)
        rows.append(row)
    session.add_all(rows)
    session.flush()
    recount_device(session, device)
    found = {row.md5 for row in rows}
    carried["contents_not_found"] = sum(1 for md5 in decided if md5 not in found)
    return TakenFiles(len(rows), dict(carried))


def recount_device(session: Session, device: SeizedDevice) -> dict[str, int]:
    """The device's files per category whose category stands (matched and not rejected, or
    settled by graders): what the charging summary adds up; and their breakdown. One query,
    since every grading decision on the device's files counts it again."""
    rows = session.execute(
        select(
            ScanFile.category,
            _FORM,
            func.count(),
            func.count(_CONTENT),
            func.count(ScanFile.deleted),  # rows where it is known
            func.sum(case((ScanFile.deleted.is_(True), 1), else_=0)),
        )
        .where(ScanFile.device_id == device.id, ScanFile.grade_status.in_(COUNTED))
        .group_by(ScanFile.category, _FORM)
    )
    breakdown = _empty_breakdown()
    for category, form, files, contents, known, deleted in rows:
        if category not in breakdown:
            continue
        entry = breakdown[category]
        entry[form] = {"files": int(files), "distinct": int(contents)}
        # a content has one form (its type is read from its bytes): the forms' sums are the
        # category's own
        entry["files"] += int(files)
        entry["distinct"] += int(contents)
        if entry["deleted_files"] is not None:
            entry["deleted_files"] = int(deleted or 0) + entry["deleted_files"]
        if known != files:
            entry["deleted_files"] = None  # files linked before deletion was kept are among them
    device.scan_breakdown = breakdown
    device.scan_counts = {c: int(entry["files"]) for c, entry in breakdown.items()}
    return device.scan_counts


# one content: the same MD5; a row without one (none is expected) stands alone, as in the summary
_CONTENT = distinct(func.coalesce(ScanFile.md5, cast(ScanFile.id, String)))
# still (an image), moving (a video) or other, as the triage summary counts them
_FORM = case(
    (ScanFile.media_type.like("image/%"), "still"),
    (ScanFile.media_type.like("video/%"), "moving"),
    else_="other",
)


def _empty_breakdown() -> dict[str, dict[str, Any]]:
    """Per category (in SEVERITY's order): files, distinct contents (by MD5), each form's
    files and distinct contents, and the deleted files."""
    return {
        str(c): {
            "files": 0,
            "distinct": 0,
            **{form: {"files": 0, "distinct": 0} for form in FORMS},
            "deleted_files": 0,
        }
        for c in SEVERITY
    }


def held_scan_files(coordinator: bool) -> Any:
    """(file, case id, exhibit) of the devices' files a reader holds (a force: its own cases';
    run with scoping.reader_bounds), withdrawn devices left out: the grading queue's and the
    new-material list's one statement."""
    return (
        select(ScanFile, Case.id, SeizedDevice.exhibit_ref)
        .join(SeizedDevice, ScanFile.device_id == SeizedDevice.id)
        .join(Case, SeizedDevice.case_id == Case.id)
        .where(SeizedDevice.withdrawn_at.is_(None), *held_by(Case.force_id, coordinator))
    )

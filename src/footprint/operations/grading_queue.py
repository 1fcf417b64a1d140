"""The grading queue an examiner works through: the files no known set knows, grouped so that
near-duplicates (PDQ within the matching radius, or the same MD5) are graded once, with each
file's votes. The coordinator's queue holds the referrals' files (an operation's, or all); a
force's holds its own seized devices' files. The same listing shows the matched files whose
match an examiner confirms or rejects, the rejected ones (to undo) and the settled ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from footprint.hashsets.grading import FileGrade, MatchDecision
from footprint.hashsets.model import UnifiedCategory
from footprint.matching.groups import near_duplicate_groups
from footprint.operations.graded_files import (
    FileRef,
    GradingError,
    Origin,
    VoteView,
    files_unit_of_work,
    held_file,
    votes_of,
)
from footprint.operations.new_material import is_new_material
from footprint.operations.scan_files import held_scan_files
from footprint.operations.scoping import reader_bounds
from footprint.operations.service import get_operation
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.permissions import Action, allows, require
from footprint.signals import DEFAULT_PDQ_RADIUS
from footprint.store import Database
from footprint.store.models import (
    Operation,
    Referral,
    ReferralFileRow,
    ScanFile,
)

# Grouped in one listing (every pair's PDQ distance: 5,000 files is about half a second); a
# larger queue is worked a part at a time, the oldest files first (or one operation's).
MAX_QUEUE_FILES = 5_000


class Shown(StrEnum):
    WAITING = "waiting"  # queued, provisional or disputed: votes wanted
    DISPUTED = "disputed"  # for a supervisor
    SETTLED = "settled"
    MATCHED = "matched"  # the engine's matches not yet confirmed or rejected
    REJECTED = "rejected"  # false positives (an undo puts the match back)


_STATUSES: dict[Shown, tuple[FileGrade, ...]] = {
    Shown.WAITING: (FileGrade.QUEUED, FileGrade.PROVISIONAL, FileGrade.DISPUTED),
    Shown.DISPUTED: (FileGrade.DISPUTED,),
    Shown.SETTLED: (FileGrade.SETTLED,),
    Shown.MATCHED: (FileGrade.MATCHED,),
    Shown.REJECTED: tuple(FileGrade),
}


@dataclass(frozen=True, slots=True)
class GradeChoice:
    key: str  # the keyboard key that casts it
    category: str


def grade_choices(setting: str) -> list[GradeChoice]:
    """The deployment's categories (the grading_choices setting), keyed 1, 2, 3..."""
    names = [n.strip() for n in setting.split(",") if n.strip()]
    try:
        categories = [UnifiedCategory(n) for n in names]
    except ValueError as exc:
        raise ValueError(f"setting grading_choices: {exc}") from None
    if not 0 < len(categories) <= 9:
        raise ValueError("setting grading_choices: name one to nine categories")
    return [GradeChoice(str(i), str(c)) for i, c in enumerate(categories, 1)]


@dataclass(frozen=True, slots=True)
class QueueFile:
    file: str  # its FileRef: what the votes and decisions name
    name: str  # the file's name (a referral's) or path on the device
    where: str  # the referral, or the case and exhibit
    media_type: str | None
    md5: str | None
    pdq: str | None
    status: str
    category: str | None
    hint: str | None  # the provider's classification, or the known record matched
    decision: str | None
    decision_reason: str | None
    votes: list[VoteView]
    picture: bool  # a thumbnail can be drawn for this reader
    victim_identified: bool | None = None  # an examiner's flags (operations/new_material.py)
    series: str | None = None
    new_material: bool = False

    @property
    def id(self) -> int:
        return FileRef.parse(self.file).id


@dataclass(frozen=True, slots=True)
class QueueGroup:
    key: str  # its first file's ref
    files: list[QueueFile]
    status: str  # disputed if any file is, else the least advanced
    category: str | None  # when every file has the same


@dataclass(frozen=True, slots=True)
class GradingQueue:
    origin: str
    shown: str
    groups: list[QueueGroup]
    total_groups: int
    total_files: int
    choices: list[GradeChoice] = field(default_factory=list)
    may_vote: bool = False
    may_resolve: bool = False
    may_decide: bool = False
    may_see_imagery: bool = False


def _wanted(query: Any, model: type[ReferralFileRow | ScanFile], shown: Shown) -> Any:
    query = query.where(model.grade_status.in_([str(s) for s in _STATUSES[shown]]))
    if shown is Shown.MATCHED:
        return query.where(model.match_decision.is_(None))
    if shown is Shown.REJECTED:
        return query.where(model.match_decision == MatchDecision.REJECTED)
    return query


def _referral_files(
    session: Session, actor: Actor, operation: str | None, shown: Shown
) -> list[QueueFile]:
    query = (
        select(ReferralFileRow, Referral.report_id, Operation.name)
        .select_from(ReferralFileRow)
        .join(Referral, ReferralFileRow.referral_id == Referral.id)
        .join(Operation, Referral.operation_id == Operation.id)
    )
    if operation:
        query = query.where(Operation.id == get_operation(session, actor, operation).id)
    query = _wanted(query, ReferralFileRow, shown).order_by(ReferralFileRow.id)
    query = query.options(
        selectinload(ReferralFileRow.votes), selectinload(ReferralFileRow.signals)
    )
    rows = session.execute(query.limit(MAX_QUEUE_FILES)).all()
    return [_referral_file(row, report, name) for row, report, name in rows]


def _referral_file(row: ReferralFileRow, report: str, operation: str) -> QueueFile:
    signals = row.signal_values()
    return QueueFile(
        str(FileRef(Origin.REFERRAL, row.id)),
        row.file_name or "(no name)",
        f"{operation} · referral {report}",
        None,
        signals.get("md5"),
        signals.get("pdq"),
        row.grade_status,
        row.category,
        _match_hint(row) or _provider_hint(row),
        row.match_decision,
        row.decision_reason,
        votes_of(row),
        False,  # referrals carry hashes, not pictures
        **_flags(row),
    )


def _flags(row: ReferralFileRow | ScanFile) -> dict[str, Any]:
    return {
        "victim_identified": row.victim_identified,
        "series": row.series,
        "new_material": is_new_material(row),
    }


def _provider_hint(row: ReferralFileRow) -> str | None:
    if row.industry_classification:
        return f"provider's classification {row.industry_classification}"
    return None


def _match_hint(row: ReferralFileRow | ScanFile) -> str | None:
    if not row.match_set:
        return None
    return (
        f"{row.match_set} record {row.match_record_id} ({row.match_category}) by "
        f"{row.match_kind}, distance {row.match_distance}"
    )


def _scan_files(session: Session, actor: Actor, shown: Shown) -> list[QueueFile]:
    query = _wanted(held_scan_files(actor.is_coordinator), ScanFile, shown)
    query = query.order_by(ScanFile.id).limit(MAX_QUEUE_FILES)
    rows = session.execute(query.options(selectinload(ScanFile.votes)), reader_bounds(actor))
    seeing = allows(actor, Action.IMAGERY_VIEW)
    return [_scan_file(row, case_id, exhibit, seeing) for row, case_id, exhibit in rows]


def _scan_file(row: ScanFile, case_id: int, exhibit: str, seeing: bool) -> QueueFile:
    return QueueFile(
        str(FileRef(Origin.SCAN, row.id)),
        row.path,
        f"case {case_id} · exhibit {exhibit}",
        row.media_type,
        row.md5,
        row.pdq,
        row.grade_status,
        row.category,
        _match_hint(row),
        row.match_decision,
        row.decision_reason,
        votes_of(row),
        seeing and (row.media_type or "").startswith("image/"),
        **_flags(row),
    )


_PROGRESS = (FileGrade.QUEUED, FileGrade.PROVISIONAL, FileGrade.SETTLED, FileGrade.MATCHED)


def _group(files: list[QueueFile]) -> QueueGroup:
    statuses = {f.status for f in files}
    if FileGrade.DISPUTED in statuses:
        status = str(FileGrade.DISPUTED)
    else:
        status = next((str(s) for s in _PROGRESS if s in statuses), files[0].status)
    categories = {f.category for f in files}
    return QueueGroup(
        files[0].file, files, status, categories.pop() if len(categories) == 1 else None
    )


def grouped(files: list[QueueFile], radius: int = DEFAULT_PDQ_RADIUS) -> list[QueueGroup]:
    positions = near_duplicate_groups([f.pdq for f in files], [f.md5 for f in files], radius)
    return [_group([files[i] for i in group]) for group in positions]


def grading_queue(
    db: Database,
    actor: Actor,
    origin: str | None = None,
    shown: str = Shown.WAITING,
    operation: str | None = None,
    choices: str = "",
    offset: int = 0,
    limit: int = 50,
) -> GradingQueue:
    """One page of near-duplicate groups. `origin` defaults to the reader's own queue: the
    referrals' files for the coordinator's people, the devices' files for a force's."""
    require(actor, Action.GRADING_READ)
    try:
        wanted, chosen = Shown(shown), Origin(origin or _own_origin(actor))
    except ValueError as exc:
        raise GradingError(f"queue: {exc}") from None
    if chosen is Origin.REFERRAL and not actor.is_coordinator:
        raise GradingError("origin: the referrals' files are graded by the coordinator")
    with db.unit_of_work() as session:
        if chosen is Origin.REFERRAL:
            files = _referral_files(session, actor, operation, wanted)
        else:
            files = _scan_files(session, actor, wanted)
        groups = grouped(files)
        audit.record_read(
            session,
            actor,
            "grading.queue-read",
            "grading",
            str(chosen),
            shown=str(wanted),
            operation=operation,
            files=len(files),
        )
    return GradingQueue(
        str(chosen),
        str(wanted),
        groups[offset : offset + limit],
        len(groups),
        len(files),
        grade_choices(choices) if choices else [],
        allows(actor, Action.IMAGE_GRADE),
        allows(actor, Action.GRADE_RESOLVE),
        allows(actor, Action.MATCH_DECIDE),
        allows(actor, Action.IMAGERY_VIEW),
    )


def _own_origin(actor: Actor) -> Origin:
    return Origin.REFERRAL if actor.is_coordinator else Origin.SCAN


def graded_file(db: Database, actor: Actor, file: str) -> QueueFile:
    """One file as the queue shows it, with its votes (a read, audited under the file)."""
    ref = FileRef.parse(file)
    with files_unit_of_work(db, actor) as (session, asked):
        asked.append(ref)
        row = held_file(session, actor, ref)  # visibility first: another force's is missing
        require(actor, Action.GRADING_READ, f"file {ref}")
        audit.record_read(session, actor, f"{ref.record_type}.read", ref.record_type, ref.id)
        if isinstance(row, ReferralFileRow):
            referral = session.get_one(Referral, row.referral_id)
            operation = session.get_one(Operation, referral.operation_id)
            return _referral_file(row, referral.report_id, operation.name)
        return _scan_file(
            row, row.device.case_id, row.device.exhibit_ref, allows(actor, Action.IMAGERY_VIEW)
        )

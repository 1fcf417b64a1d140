"""New material: files people graded indecent that no known set holds, to go back to the national
database so that the next force finds them automatically. By the rule, a file is new material
when its grade settled (by three votes, or a supervisor's resolution) on A, B, C or
indecent-uncategorised with no known set's match standing (a rejected false positive counts as
none). An examiner may say otherwise for a file (seen before, say), with a reason, and flags the
victim as identified and the series it belongs to the same way; each change is audited.

The list is the coordinator's for referrals' files and every force's devices; a force's own for
its devices. Exported in any writable hash-set format (VICS 2.0 or 1.3, ICSE, footprint's CSV),
each file a record with its grade, its graders' votes and its flags.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from footprint.errors import Invalid
from footprint.hashsets.formats import ExportContext, hashset_format
from footprint.hashsets.grading import FileGrade
from footprint.hashsets.model import GradingVote, KnownHash, UnifiedCategory
from footprint.hashsets.schemes import ExportScheme
from footprint.operations.grade_rows import GradedRow
from footprint.operations.graded_files import (
    REASON_CHARS,
    FileRef,
    Origin,
    VoteView,
    files_unit_of_work,
    held_file,
    parse_refs,
    votes_of,
)
from footprint.operations.scan_files import held_scan_files
from footprint.operations.scoping import reader_bounds
from footprint.operations.service import get_operation
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.permissions import Action, require
from footprint.store import Database
from footprint.store.models import (
    Case,
    Operation,
    Referral,
    ReferralFileRow,
    ScanFile,
)
from footprint.triage.outputs import FINDINGS, iter_findings, signals_of

INDECENT = (
    UnifiedCategory.A,
    UnifiedCategory.B,
    UnifiedCategory.C,
    UnifiedCategory.INDECENT_UNCATEGORISED,
)
FLAGS = ("victim_identified", "series", "new_material")
MAX_SERIES = 200
MAX_LISTED = 5_000  # files in one list or export: more is several operations' worth


class FlagError(Invalid):
    pass


def by_the_rule(row: GradedRow) -> bool:
    """Settled by people on an indecent grade, with no known set's match standing."""
    return row.grade_status == FileGrade.SETTLED and row.category in INDECENT


def is_new_material(row: GradedRow) -> bool:
    return by_the_rule(row) if row.new_material is None else row.new_material


@dataclass(frozen=True, slots=True)
class FlagsView:
    file: str
    victim_identified: bool | None
    series: str | None
    new_material: bool  # as it stands: the examiner's word, else the rule
    new_material_by: str  # "rule" or "examiner"


def flags_view(ref: FileRef, row: GradedRow) -> FlagsView:
    by = "rule" if row.new_material is None else "examiner"
    return FlagsView(str(ref), row.victim_identified, row.series, is_new_material(row), by)


def _checked(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - set(FLAGS)
    if unknown:
        raise FlagError(f"{sorted(unknown)[0]}: not a flag (flags: {', '.join(FLAGS)})")
    if not changes:
        raise FlagError(f"flags: none given (flags: {', '.join(FLAGS)})")
    checked: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "series":
            text = None if value is None else str(value).strip() or None
            if text is not None and len(text) > MAX_SERIES:
                raise FlagError(f"series: longer than {MAX_SERIES} characters")
            checked[name] = text
        elif value is None or isinstance(value, bool):
            checked[name] = value  # new_material null: back to the rule
        else:
            raise FlagError(f"{name}: expected true, false or null, got {value!r}")
    return checked


def flag_files(
    db: Database, actor: Actor, files: list[str], changes: dict[str, Any], reason: str
) -> list[FlagsView]:
    """Set flags on each file named (a group, or a selection), with a reason: all or none."""
    checked, refs = _checked(changes), parse_refs(files)
    why = (reason or "").strip()
    if not why:
        raise FlagError("reason: a flag needs a reason")
    if len(why) > REASON_CHARS:
        raise FlagError(f"reason: at most {REASON_CHARS} characters")
    views = []
    with files_unit_of_work(db, actor) as (session, asked):
        for ref in refs:
            asked.append(ref)
            row = held_file(session, actor, ref)
            require(actor, Action.IMAGE_GRADE, f"file {ref}")
            before = {name: getattr(row, name) for name in checked}
            for name, value in checked.items():
                setattr(row, name, value)
            audit.record(
                session,
                actor,
                f"{ref.record_type}.flags",
                ref.record_type,
                ref.id,
                before=before,
                after=checked,
                reason=why,
            )
            views.append(flags_view(ref, row))
    return views


@dataclass(frozen=True, slots=True)
class NewMaterialFile:
    file: str
    name: str
    where: str  # the operation and referral, or the case and exhibit
    category: str
    signals: dict[str, str]
    photodna: str | None
    graded_at: datetime | None
    victim_identified: bool | None
    series: str | None
    votes: list[VoteView]


def _is_new(model: type[ReferralFileRow] | type[ScanFile]) -> Any:
    rule = and_(
        model.new_material.is_(None),
        model.grade_status == str(FileGrade.SETTLED),
        model.category.in_([str(c) for c in INDECENT]),
    )
    return or_(model.new_material.is_(True), rule)


def _referral_files(
    session: Session, actor: Actor, operation_id: int | None
) -> list[NewMaterialFile]:
    if not actor.is_coordinator:
        return []  # the referrals' files are the coordinator's
    query = (
        select(ReferralFileRow, Referral.report_id, Operation.name)
        .join(Referral, ReferralFileRow.referral_id == Referral.id)
        .join(Operation, Referral.operation_id == Operation.id)
        .where(_is_new(ReferralFileRow))
    )
    if operation_id is not None:
        query = query.where(Operation.id == operation_id)
    query = query.options(
        selectinload(ReferralFileRow.votes), selectinload(ReferralFileRow.signals)
    )
    rows = session.execute(query.order_by(ReferralFileRow.id).limit(MAX_LISTED)).all()
    return [
        NewMaterialFile(
            str(FileRef(Origin.REFERRAL, row.id)),
            row.file_name or "(no name)",
            f"{name} · referral {report}",
            str(row.category),
            row.signal_values(),
            row.photodna,
            row.graded_at,
            row.victim_identified,
            row.series,
            votes_of(row),
        )
        for row, report, name in rows
    ]


def _scan_files(session: Session, actor: Actor, operation_id: int | None) -> list[NewMaterialFile]:
    query = held_scan_files(actor.is_coordinator).where(_is_new(ScanFile))
    if operation_id is not None:
        query = query.where(Case.operation_id == operation_id)
    query = query.options(selectinload(ScanFile.votes), selectinload(ScanFile.device))
    rows = session.execute(
        query.order_by(ScanFile.id).limit(MAX_LISTED), reader_bounds(actor)
    ).all()
    found = _scan_findings([row for row, _case, _exhibit in rows])
    return [
        NewMaterialFile(
            str(FileRef(Origin.SCAN, row.id)),
            row.path,
            f"case {case_id} · exhibit {exhibit}",
            str(row.category),
            {
                **{k: v for k, v in (("md5", row.md5), ("pdq", row.pdq)) if v},
                **found.get(row.id, {}),
            },
            None,
            row.graded_at,
            row.victim_identified,
            row.series,
            votes_of(row),
        )
        for row, case_id, exhibit in rows
    ]


def _scan_findings(rows: list[ScanFile]) -> dict[int, dict[str, str]]:
    """Every hash each file's scan found for it, reading each scan's findings once (a scan holds
    up to millions; looking each file up on its own read them again for every file). A scan
    whose output moved or went gives nothing: the hashes kept on the rows still serve."""
    wanted: dict[str, dict[int, int]] = {}  # scan folder -> finding index -> scan file id
    for row in rows:
        wanted.setdefault(str(row.device.scan_dir), {})[row.finding_index] = row.id
    found: dict[int, dict[str, str]] = {}
    for scan_dir, by_index in wanted.items():
        try:
            for number, finding in enumerate(iter_findings(Path(scan_dir) / FINDINGS)):
                if number in by_index:
                    found[by_index[number]] = signals_of(finding)
        except (OSError, ValueError):
            continue
    return found


def new_material(db: Database, actor: Actor, operation: str | None = None) -> list[NewMaterialFile]:
    """The new material the reader may see: an operation's, or all of it."""
    require(actor, Action.GRADING_READ)
    with db.unit_of_work() as session:
        operation_id = get_operation(session, actor, operation).id if operation else None
        found = _referral_files(session, actor, operation_id)
        found += _scan_files(session, actor, operation_id)
        audit.record_read(
            session, actor, "new-material.list", "operation", operation or "all", files=len(found)
        )
    return found


def _record(item: NewMaterialFile, scheme: ExportScheme) -> KnownHash:
    """A file as a known-hash record for the national database: its grade is footprint's
    (written as the deployment's VICS UK code where it has them), each grader's standing vote
    goes with it."""
    latest = {v.grader: v for v in item.votes if v.kind == "vote"}  # as the rule counts them
    votes = [
        GradingVote(v.grader, UnifiedCategory(v.category), v.voted_at.isoformat())
        for v in latest.values()
    ]
    return KnownHash(
        record_id=item.file,
        signals=dict(item.signals),
        photodna=item.photodna,
        source_scheme=scheme.name,
        source_category=scheme.source_category(UnifiedCategory(item.category)),
        category=UnifiedCategory(item.category),
        victim_identified=item.victim_identified,
        series=item.series,
        date_updated=item.graded_at.isoformat() if item.graded_at else None,
        votes=votes,
        extra={"FileName": item.name, "footprint:From": item.where},
    )


def export_new_material(
    db: Database,
    actor: Actor,
    out: IO[str],
    operation: str | None = None,
    fmt: str = "vics",
    shape: str = "hashset",
    uk_codes: Mapping[int, UnifiedCategory] | None = None,
) -> int:
    """Write the new material in a writable hash-set format; audited with what went out. With
    the deployment's VICS UK codes, categories go out as those codes, as a UK tool reads them."""
    writer = hashset_format(fmt)
    if not writer.writable:
        raise Invalid(f"format: {fmt!r} is read-only")
    found = new_material(db, actor, operation)
    name = f"{operation or 'all operations'} new material"
    case = {"CaseNumber": operation or "footprint", "SourceApplicationName": "footprint"}
    scheme = ExportScheme.of(uk_codes)
    context = ExportContext(name, len(found), {"cases": [case]}, {scheme.name}, shape)
    written = writer.write((_record(item, scheme) for item in found), out, context)
    with db.unit_of_work() as session:
        audit.record(
            session,
            actor,
            "new-material.export",
            "operation",
            operation or "all",
            format=fmt,
            files=[item.file for item in found],
        )
    return written

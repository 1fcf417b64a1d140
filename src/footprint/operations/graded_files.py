"""What people do to one file: vote on its category, resolve a dispute, confirm or reject the
detection engine's match (a rejection puts the file's hashes in the negative bank), undo that
decision, and look at its picture. The same for a referral's file (the coordinator's) and for a
seized device's file (its force's); every step is audited under the file.

A file is named by a reference, "referral:<id>" or "scan:<id>" (FileRef), in the API, the pages
and the CLI alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from footprint.errors import Conflict, Invalid, NotFound
from footprint.hashsets import negative_bank
from footprint.hashsets.grading import FileGrade, MatchDecision
from footprint.hashsets.model import UnifiedCategory
from footprint.hashsets.store import KnownHashStore
from footprint.operations.grade_rows import GradedRow, bank_entry_name, settle_row
from footprint.operations.scan_files import recount_device
from footprint.operations.scoping import NotVisible, require_visible
from footprint.security import audit
from footprint.security.actor import AccessDenied, Actor
from footprint.security.permissions import Action, require
from footprint.signals.kinds import registered_kind
from footprint.store import Database
from footprint.store.models import GradingVoteRow, ReferralFileRow, ScanFile
from footprint.triage.findings import finding_at, thumbnail
from footprint.triage.outputs import locator_of, signals_of

MAX_FILES_PER_CALL = 1_000  # a bulk vote's selection
REASON_CHARS = 400


class GradingError(Invalid):
    """Bad input: a file reference, a category, a reason (said with the field)."""


class NotNow(Conflict):
    """A step that the file's state does not allow (said with the file and its state)."""


class Origin(StrEnum):
    REFERRAL = "referral"  # a referral's file: the national queue
    SCAN = "scan"  # a seized device's file: its force's queue


@dataclass(frozen=True, slots=True, order=True)
class FileRef:
    origin: Origin
    id: int

    @classmethod
    def parse(cls, text: str) -> FileRef:
        origin, _, number = text.strip().partition(":")
        try:
            ref = cls(Origin(origin), int(number))
        except ValueError:
            raise GradingError(f"file {text!r}: expected referral:<id> or scan:<id>") from None
        if not 0 < ref.id < 2**31:
            raise GradingError(f"file {text!r}: no such id")
        return ref

    def __str__(self) -> str:
        return f"{self.origin}:{self.id}"

    @property
    def record_type(self) -> str:
        return f"{self.origin}_file"


@dataclass(frozen=True, slots=True)
class VoteView:
    grader: str
    category: str
    voted_at: datetime
    kind: str  # vote | resolution
    reason: str | None


@dataclass(frozen=True, slots=True)
class GradeView:
    """A file's grade after a step: its status, category and the votes behind it."""

    file: str  # the FileRef
    status: str
    category: str | None
    decision: str | None = None
    votes: list[VoteView] = field(default_factory=list)


def parse_refs(texts: list[str]) -> list[FileRef]:
    if not texts:
        raise GradingError("files: name at least one file")
    if len(texts) > MAX_FILES_PER_CALL:
        raise GradingError(f"files: at most {MAX_FILES_PER_CALL} in one call, got {len(texts)}")
    return sorted(set(map(FileRef.parse, texts)))


def held_file(session: Session, actor: Actor, ref: FileRef) -> GradedRow:
    """The file if the actor may see it: a referral's file is the coordinator's, a device's
    file its case's force's; missing and hidden read the same."""
    row: GradedRow | None
    if ref.origin is Origin.REFERRAL:
        row = session.get(ReferralFileRow, ref.id)
        holder = actor.organisation if actor.is_coordinator else None
    else:
        row = session.get(ScanFile, ref.id)
        holder = row.device.case.force.code if row is not None else None
    if row is None:
        raise NotFound(f"file {ref}: not found")
    require_visible(actor, holder, f"file {ref}")
    return row


@contextmanager
def files_unit_of_work(db: Database, actor: Actor) -> Iterator[tuple[Session, list[FileRef]]]:
    """A unit of work over files; the caller appends each ref before it looks the file up, so
    that a refusal (another force's file, or a role short) is audited under that file, in a
    transaction of its own (the refused one rolls back)."""
    asked: list[FileRef] = []
    try:
        with db.unit_of_work() as session:
            yield session, asked
    except NotVisible:
        with db.unit_of_work() as session:
            ref = asked[-1]
            audit.record_read(session, actor, f"{ref.record_type}.denied", ref.record_type, ref.id)
        raise
    except AccessDenied as exc:
        if asked and not exc.audited:
            with db.unit_of_work() as session:
                ref = asked[-1]
                audit.record_read(
                    session,
                    actor,
                    f"{ref.record_type}.refused",
                    ref.record_type,
                    ref.id,
                    why=str(exc),
                )
            exc.audited = True
        raise


def votes_of(row: GradedRow) -> list[VoteView]:
    return [VoteView(v.grader, v.category, v.voted_at, v.kind, v.reason) for v in row.votes]


def grade_view(ref: FileRef, row: GradedRow) -> GradeView:
    return GradeView(str(ref), row.grade_status, row.category, row.match_decision, votes_of(row))


def _changed(session: Session, *rows: GradedRow) -> None:
    """A device's counts follow its files' grades (the charging summary adds them up): each
    device touched is counted again once, however many of its files changed."""
    devices = {row.device_id: row.device for row in rows if isinstance(row, ScanFile)}
    for device in devices.values():
        recount_device(session, device)


def _finding_of(row: ScanFile) -> dict[str, Any]:
    """The device file's finding in its linked scan (its signals, its locator)."""
    return finding_at(Path(str(row.device.scan_dir)), row.finding_index)


def _category(text: str) -> UnifiedCategory:
    try:
        return UnifiedCategory(text)
    except ValueError:
        choices = ", ".join(c.value for c in UnifiedCategory)
        raise GradingError(f"category: {text!r} is not one of {choices}") from None


def _reason(text: str | None, what: str) -> str:
    reason = (text or "").strip()
    if not reason:
        raise GradingError(f"reason: {what} needs a reason")
    if len(reason) > REASON_CHARS:
        raise GradingError(f"reason: at most {REASON_CHARS} characters")
    return reason


def cast_votes(db: Database, actor: Actor, files: list[str], category: str) -> list[GradeView]:
    """One grader's vote on each file named (a near-duplicate group, or a selection); a
    grader's later vote replaces their earlier one. All the files or none."""
    chosen, refs = _category(category), parse_refs(files)
    now = datetime.now(UTC)
    views, rows = [], []
    with files_unit_of_work(db, actor) as (session, asked):
        for ref in refs:
            asked.append(ref)
            row = held_file(session, actor, ref)  # visibility first: another force's is missing
            require(actor, Action.IMAGE_GRADE, f"file {ref}")
            if not FileGrade(row.grade_status).awaits_graders:
                raise NotNow(f"file {ref}: not waiting for graders ({row.grade_status})")
            row.votes.append(
                GradingVoteRow(
                    grader=actor.username, category=str(chosen), voted_at=now, kind="vote"
                )
            )
            settle_row(row, now)
            rows.append(row)
            audit.record(
                session,
                actor,
                f"{ref.record_type}.vote",
                ref.record_type,
                ref.id,
                category=str(chosen),
                status=row.grade_status,
            )
            views.append(grade_view(ref, row))
        _changed(session, *rows)
    return views


def resolve_dispute(db: Database, actor: Actor, file: str, category: str, reason: str) -> GradeView:
    """A supervisor settles a disputed file, saying why; the votes stay on record."""
    ref, chosen, why = FileRef.parse(file), _category(category), _reason(reason, "a resolution")
    now = datetime.now(UTC)
    with files_unit_of_work(db, actor) as (session, asked):
        asked.append(ref)
        row = held_file(session, actor, ref)
        require(actor, Action.GRADE_RESOLVE, f"file {ref}")
        if row.grade_status != FileGrade.DISPUTED:
            raise NotNow(f"file {ref}: not disputed ({row.grade_status})")
        row.votes.append(
            GradingVoteRow(
                grader=actor.username,
                category=str(chosen),
                voted_at=now,
                kind="resolution",
                reason=why,
            )
        )
        settle_row(row, now)
        _changed(session, row)
        audit.record(
            session,
            actor,
            f"{ref.record_type}.resolve",
            ref.record_type,
            ref.id,
            category=str(chosen),
            reason=why,
        )
        return grade_view(ref, row)


def bank_entry(ref: FileRef) -> str:
    """The file's record id in the negative bank."""
    return bank_entry_name(ref.origin, ref.id)


def _file_signals(row: GradedRow) -> dict[str, str]:
    """Every signal the file has, for the negative bank (a device's file: from its finding)."""
    if isinstance(row, ReferralFileRow):
        found = row.signal_values()
    else:
        found = signals_of(_finding_of(row))
    return {kind: value for kind, value in found.items() if registered_kind(kind)}


def decide_match(
    db: Database,
    store: KnownHashStore,
    actor: Actor,
    file: str,
    decision: str,
    reason: str | None = None,
) -> GradeView:
    """Confirm the detection engine's match of a file, or reject it as a false positive: a
    rejection (with its reason) puts the file's hashes in the negative bank, which suppresses
    them in every later match, and sends the file to the graders."""
    ref = FileRef.parse(file)
    try:
        chosen = MatchDecision(decision)
    except ValueError:
        raise GradingError(f"decision: {decision!r} is not confirmed or rejected") from None
    why = _reason(reason, "a rejection") if chosen is MatchDecision.REJECTED else (reason or "")
    now = datetime.now(UTC)
    with files_unit_of_work(db, actor) as (session, asked):
        asked.append(ref)
        row = held_file(session, actor, ref)
        require(actor, Action.MATCH_DECIDE, f"file {ref}")
        if row.grade_status != FileGrade.MATCHED or row.match_decision:
            raise NotNow(
                f"file {ref}: no match to decide on "
                f"({row.match_decision or row.grade_status}; undo a decision first)"
            )
        row.match_decision, row.decision_reason = str(chosen), why[:REASON_CHARS] or None
        row.decided_by, row.decided_at = actor.username, now
        if chosen is MatchDecision.REJECTED:
            row.grade_status, row.category, row.graded_at = str(FileGrade.QUEUED), None, now
            mistaken_for = f"{row.match_set}/{row.match_record_id}"
            signals = _file_signals(row)
            _changed(session, row)
            row.bank_entry = bank_entry(ref)
            session.flush()  # a database refusal comes before the bank is written
            negative_bank.reject(store, row.bank_entry, signals, why, actor.username, mistaken_for)
        audit.record(
            session,
            actor,
            f"{ref.record_type}.match-{chosen}",
            ref.record_type,
            ref.id,
            match_set=row.match_set,
            match_record_id=row.match_record_id,
            reason=why,
        )
        return grade_view(ref, row)


def undo_decision(db: Database, store: KnownHashStore, actor: Actor, file: str) -> GradeView:
    """Take back a confirmation or a rejection: a rejected file's hashes leave the negative
    bank and its match stands again (votes cast on it since stay on record)."""
    ref = FileRef.parse(file)
    now = datetime.now(UTC)
    with files_unit_of_work(db, actor) as (session, asked):
        asked.append(ref)
        row = held_file(session, actor, ref)
        require(actor, Action.MATCH_DECIDE, f"file {ref}")
        if not row.match_decision:
            raise NotNow(f"file {ref}: no decision to undo")
        undone = row.match_decision
        if undone == MatchDecision.REJECTED:
            row.grade_status, row.category = str(FileGrade.MATCHED), row.match_category
            row.graded_at = now
            _changed(session, row)
            entry, row.bank_entry = row.bank_entry or bank_entry(ref), None
            session.flush()
            negative_bank.withdraw(store, entry)
        row.match_decision = row.decision_reason = row.decided_by = None
        row.decided_at = None
        audit.record(
            session, actor, f"{ref.record_type}.match-undo", ref.record_type, ref.id, undone=undone
        )
        return grade_view(ref, row)


def file_thumbnail(db: Database, actor: Actor, file: str, reveal: bool) -> bytes:
    """A device file's picture for a grader allowed to see imagery: greyscale, blurred unless
    `reveal`; every one drawn is audited with whether it was revealed. A referral's file has
    no picture here (referrals carry hashes, not images)."""
    ref = FileRef.parse(file)
    with files_unit_of_work(db, actor) as (session, asked):
        asked.append(ref)
        row = held_file(session, actor, ref)
        require(actor, Action.IMAGERY_VIEW, f"file {ref}")
        if not isinstance(row, ScanFile) or not (row.media_type or "").startswith("image/"):
            raise NotFound(f"file {ref}: no picture to draw")
        picture = thumbnail(locator_of(_finding_of(row)), reveal)
        audit.record_read(
            session,
            actor,
            f"{ref.record_type}.imagery-view",
            ref.record_type,
            ref.id,
            path=row.path,
            revealed=reveal,
        )
        return picture

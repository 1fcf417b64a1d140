"""Allocation: which police force area receives a subject's intelligence package.

The chain of resolvers, most exact first: the subject's postcodes looked up whole (ONS Postcode
Directory, or an explicit table that corrects it), then by outward code in an explicit table;
then a person assigns it by hand. A subject whose postcodes are missing, unknown or in different
forces waits in the allocation queue with the reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from footprint.geo.postcodes import outward_code
from footprint.operations.assessments import visible_subject
from footprint.operations.resolution import SubjectStatus
from footprint.operations.scoping import scoped_unit_of_work
from footprint.operations.service import OperationError, get_operation
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.permissions import Action, require
from footprint.store import Database
from footprint.store.bulk import Row, bulk_stage, update_rows
from footprint.store.database import chunks
from footprint.store.models import (
    Organisation,
    PostcodeArea,
    ReferralPostcode,
    Subject,
    SubjectReferral,
)

Lookup = Callable[[str], tuple[str, str] | None]  # postcode -> (pfa code, source)


@dataclass(frozen=True, slots=True)
class Allocation:
    pfa: str | None
    source: str | None
    detail: str


def decide(postcodes: list[str], lookup: Lookup) -> Allocation:
    """The rule alone: every postcode that resolves must agree on one force."""
    if not postcodes:
        return Allocation(None, None, "no postcode in any referral")
    found: dict[str, tuple[str, str]] = {}
    unknown = []
    for postcode in sorted(set(postcodes)):
        hit = lookup(postcode) or lookup(outward_code(postcode))
        if hit is None:
            unknown.append(postcode)
        else:
            found[postcode] = hit
    forces = {pfa for pfa, _source in found.values()}
    if not forces:
        return Allocation(None, None, f"postcode(s) not found: {', '.join(unknown)}")
    if len(forces) > 1:
        listed = ", ".join(f"{p} -> {found[p][0]}" for p in sorted(found))
        return Allocation(None, None, f"postcodes in different forces: {listed}")
    (pfa,) = forces
    sources = sorted({source for _pfa, source in found.values()})
    detail = f"{', '.join(sorted(found))} -> {pfa}"
    if unknown:
        detail += f" (not found: {', '.join(unknown)})"
    return Allocation(pfa, "+".join(sources), detail)


@dataclass(slots=True)
class AllocationReport:
    allocated: dict[str, int] = field(default_factory=dict)  # force code -> subjects
    queued: int = 0


BATCH = 5_000


def _postcodes_by_subject(session: Session, subject_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {s: [] for s in subject_ids}
    rows = session.execute(
        select(SubjectReferral.subject_id, ReferralPostcode.postcode)
        .join(ReferralPostcode, ReferralPostcode.referral_id == SubjectReferral.referral_id)
        .where(SubjectReferral.subject_id.in_(subject_ids))
    )
    for subject_id, postcode in rows:
        found[subject_id].append(postcode)
    return found


def _lookup(session: Session, postcodes: set[str]) -> Lookup:
    """One query for every whole postcode and outward code the batch needs."""
    keys = sorted(postcodes | {outward_code(p) for p in postcodes})
    areas: dict[str, tuple[str, str]] = {}
    for chunk in chunks(keys, 1_000):
        rows = session.execute(
            select(PostcodeArea.postcode, PostcodeArea.pfa, PostcodeArea.source).where(
                PostcodeArea.postcode.in_(chunk)
            )
        )
        areas.update({postcode: (pfa, source) for postcode, pfa, source in rows})
    return areas.get


@bulk_stage
def allocate_operation(
    db: Database,
    actor: Actor,
    operation_name: str,
    progress: Callable[[int], None] | None = None,
) -> AllocationReport:
    """Allocate every active, unallocated subject that the postcode chain can place, a batch
    per transaction (a rerun carries on where a crash stopped)."""
    require(actor, Action.ALLOCATE)
    report = AllocationReport()
    after = 0
    while True:
        with db.unit_of_work() as session:
            operation = get_operation(session, actor, operation_name)
            waiting = list(
                session.scalars(
                    select(Subject.id)
                    .where(
                        Subject.operation_id == operation.id,
                        Subject.status == SubjectStatus.ACTIVE,
                        Subject.force_id.is_(None),
                        Subject.id > after,
                    )
                    .order_by(Subject.id)
                    .limit(BATCH)
                )
            )
            if not waiting:
                return report
            after = waiting[-1]
            _allocate_batch(session, actor, operation.id, waiting, report)
        if progress is not None:
            progress(sum(report.allocated.values()) + report.queued)  # subjects placed or queued


def _allocate_batch(
    session: Session, actor: Actor, operation_id: int, waiting: list[int], report: AllocationReport
) -> None:
    forces = dict(
        session.execute(
            select(Organisation.code, Organisation.id).where(Organisation.kind == "force")
        ).all()
    )
    postcodes = _postcodes_by_subject(session, waiting)
    lookup = _lookup(session, {p for codes in postcodes.values() for p in codes})
    now = datetime.now(UTC)
    changes: list[Row] = []
    queued: list[int] = []
    placed: dict[str, list[int]] = defaultdict(list)
    for subject_id in waiting:
        decision = decide(postcodes[subject_id], lookup)
        if decision.pfa is None:
            queued.append(subject_id)
            changes.append((decision.detail, None, None, None, subject_id))
            continue
        force_id = forces[decision.pfa]
        changes.append((decision.detail, force_id, decision.source, now, subject_id))
        placed[decision.pfa].append(subject_id)
        report.allocated[decision.pfa] = report.allocated.get(decision.pfa, 0) + 1
    report.queued += len(queued)
    update_rows(session.connection(), _SUBJECTS, _ALLOCATION_COLUMNS, changes)
    audit.record(
        session,
        actor,
        "subject.allocate",
        "operation",
        operation_id,
        allocated=dict(sorted(placed.items())),
        queued=queued,
    )


_SUBJECTS = cast(Table, Subject.__table__)
_ALLOCATION_COLUMNS = ("allocation_detail", "force_id", "allocation_source", "allocated_at")


def allocation_queue(
    db: Database, actor: Actor, operation_name: str, offset: int = 0, limit: int | None = None
) -> list[tuple[int, str]]:
    """Active subjects still without a force, with the reason, a page at a time if asked."""
    require(actor, Action.ALLOCATION_QUEUE_READ)
    with db.unit_of_work() as session:
        operation = get_operation(session, actor, operation_name)
        rows = session.execute(
            select(Subject.id, Subject.allocation_detail)
            .where(
                Subject.operation_id == operation.id,
                Subject.status == SubjectStatus.ACTIVE,
                Subject.force_id.is_(None),
            )
            .order_by(Subject.id)
            .offset(offset)
            .limit(limit)
        ).all()
        audit.record_read(
            session,
            actor,
            "allocation.queue",
            "operation",
            operation.id,
            offset=offset,
            waiting=len(rows),
        )
    return [(subject_id, detail or "not yet allocated") for subject_id, detail in rows]


def assign_manually(
    db: Database, actor: Actor, subject_id: int, force_code: str, reason: str
) -> None:
    with scoped_unit_of_work(db, actor, "subject", subject_id) as session:
        subject = visible_subject(session, actor, subject_id)  # another force's reads as missing
        require(actor, Action.SUBJECT_ASSIGN, f"subject {subject_id}")
        if not reason.strip():
            raise OperationError("reason: a manual assignment needs a reason")
        force = session.scalar(
            select(Organisation).where(
                Organisation.code == force_code, Organisation.kind == "force"
            )
        )
        if force is None:
            raise LookupError(f"force {force_code!r}: not a police force code")
        previous = subject.force.code if subject.force else None
        subject.force_id, subject.allocation_source = force.id, "manual"
        subject.allocation_detail, subject.allocated_at = reason.strip(), datetime.now(UTC)
        audit.record(
            session,
            actor,
            "subject.assign",
            "subject",
            subject_id,
            force=force_code,
            previous=previous,
            reason=reason.strip(),
        )

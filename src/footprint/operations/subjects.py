"""Subjects: resolving an operation's referrals into people, merges with provenance, undo, and
identifier look-ups for deconfliction."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from footprint.operations.identifiers import normalise_email, normalise_phone
from footprint.operations.resolution import DEFAULT_IP_WINDOW, Link, ReferralKeys, find_links, group
from footprint.operations.service import get_operation
from footprint.security import audit
from footprint.security.actor import AccessDenied, Actor
from footprint.store import Database
from footprint.store.database import aware_utc
from footprint.store.models import (
    Operation,
    Referral,
    ReferralIdentifier,
    ReferralIpEvent,
    Subject,
    SubjectMerge,
    SubjectReferral,
)

REASON_LIMIT = 400


@dataclass(slots=True)
class ResolutionReport:
    subjects_created: int = 0
    merges: int = 0
    referrals_attached: int = 0


def _keys(session: Session, operation: Operation) -> list[ReferralKeys]:
    sources = dict(
        session.execute(
            select(Referral.id, Referral.source).where(Referral.operation_id == operation.id)
        ).all()
    )
    identifiers: dict[int, set[tuple[str, str]]] = defaultdict(set)
    rows = session.execute(
        select(ReferralIdentifier.referral_id, ReferralIdentifier.kind, ReferralIdentifier.value)
        .join(Referral)
        .where(Referral.operation_id == operation.id)
    )
    for referral_id, kind, value in rows:
        identifiers[referral_id].add((kind, value))
    events: dict[int, list[tuple[str, int | None, datetime]]] = defaultdict(list)
    event_rows = session.execute(
        select(
            ReferralIpEvent.referral_id,
            ReferralIpEvent.ip,
            ReferralIpEvent.port,
            ReferralIpEvent.at,
        )
        .join(Referral)
        .where(Referral.operation_id == operation.id)
    )
    for referral_id, ip, port, at in event_rows:
        events[referral_id].append((ip, port, aware_utc(at)))
    return [
        ReferralKeys(rid, source, frozenset(identifiers[rid]), tuple(events[rid]))
        for rid, source in sorted(sources.items())
    ]


def _reasons(links: list[Link]) -> dict[int, list[str]]:
    by_referral: dict[int, list[str]] = defaultdict(list)
    for link in links:
        by_referral[link.first].append(link.reason)
        by_referral[link.second].append(link.reason)
    return by_referral


def _clip(text: str) -> str:
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 1] + "…"


def _separated(session: Session) -> set[frozenset[int]]:
    """Subject pairs a person has pulled apart (an undone merge): never merged again."""
    rows = session.execute(
        select(SubjectMerge.survivor_id, SubjectMerge.absorbed_id).where(
            SubjectMerge.undone_at.is_not(None)
        )
    )
    return {frozenset(pair) for pair in rows}


def resolve_subjects(
    db: Database, actor: Actor, operation_name: str, ip_window: timedelta = DEFAULT_IP_WINDOW
) -> ResolutionReport:
    if not actor.is_coordinator:
        raise AccessDenied("subject resolution is the national coordinator's")
    report = ResolutionReport()
    with db.unit_of_work() as session:
        operation = get_operation(session, actor, operation_name)
        keys = _keys(session, operation)
        links = find_links(keys, ip_window)
        reasons = _reasons(links)
        current = {
            sr.referral_id: sr
            for sr in session.scalars(
                select(SubjectReferral).join(Subject).where(Subject.operation_id == operation.id)
            )
        }
        separated = _separated(session)
        now = datetime.now(UTC)
        for members in group([k.referral_id for k in keys], links):
            subject_ids = sorted({current[r].subject_id for r in members if r in current})
            if subject_ids:
                survivor = session.get_one(Subject, subject_ids[0])
            else:
                survivor = Subject(operation_id=operation.id, status="active", created_at=now)
                session.add(survivor)
                session.flush()
                report.subjects_created += 1
                audit.record(
                    session, actor, "subject.create", "subject", survivor.id, referrals=members
                )
            for other_id in subject_ids[1:]:
                if frozenset({survivor.id, other_id}) not in separated:
                    _merge(session, actor, survivor, other_id, current, reasons, now)
                    report.merges += 1
            for referral_id in members:
                if referral_id not in current:
                    why = _clip(
                        "; ".join(dict.fromkeys(reasons[referral_id]))
                        or "first referral of the subject"
                    )
                    row = SubjectReferral(
                        subject_id=survivor.id, referral_id=referral_id, reason=why
                    )
                    session.add(row)
                    current[referral_id] = row
                    report.referrals_attached += 1
    return report


def _merge(
    session: Session,
    actor: Actor,
    survivor: Subject,
    absorbed_id: int,
    current: dict[int, SubjectReferral],
    reasons: dict[int, list[str]],
    now: datetime,
) -> None:
    absorbed = session.get_one(Subject, absorbed_id)
    moved = sorted(sr.referral_id for sr in absorbed.referrals)
    why = _clip(
        "; ".join(dict.fromkeys(r for rid in moved for r in reasons[rid])) or "linked referrals"
    )
    for row in list(absorbed.referrals):
        row.subject_id = survivor.id
    absorbed.status, absorbed.merged_into_id = "merged", survivor.id
    merge = SubjectMerge(
        survivor_id=survivor.id,
        absorbed_id=absorbed_id,
        reason=why,
        moved_referral_ids=moved,
        merged_at=now,
        merged_by=actor.username,
    )
    session.add(merge)
    session.flush()
    session.expire(absorbed, ["referrals"])
    audit.record(
        session,
        actor,
        "subject.merge",
        "subject",
        survivor.id,
        absorbed=absorbed_id,
        merge=merge.id,
        reason=why,
    )


def undo_merge(db: Database, actor: Actor, merge_id: int) -> None:
    """Give the absorbed subject its referrals back; the two are never merged again."""
    if not actor.is_coordinator:
        raise AccessDenied("subject merges are the national coordinator's")
    with db.unit_of_work() as session:
        merge = session.get(SubjectMerge, merge_id)
        if merge is None or merge.undone_at is not None:
            raise LookupError(f"merge {merge_id}: not found, or already undone")
        absorbed = session.get_one(Subject, merge.absorbed_id)
        absorbed.status, absorbed.merged_into_id = "active", None
        rows = session.scalars(
            select(SubjectReferral).where(
                SubjectReferral.referral_id.in_(merge.moved_referral_ids),
                SubjectReferral.subject_id == merge.survivor_id,
            )
        )
        for row in rows:
            row.subject_id = absorbed.id
        merge.undone_at, merge.undone_by = datetime.now(UTC), actor.username
        audit.record(
            session,
            actor,
            "subject.unmerge",
            "subject",
            merge.survivor_id,
            merge=merge_id,
            restored=absorbed.id,
        )


@dataclass(frozen=True, slots=True)
class IdentifierHit:
    operation: str
    subject_id: int | None
    referral: str  # source:report_id


_NORMALISERS = {"email": normalise_email, "phone": normalise_phone}


def lookup_identifier(db: Database, actor: Actor, kind: str, value: str) -> list[IdentifierHit]:
    """Deconfliction: every referral and subject an identifier appears in, in every operation
    and force. Anyone may ask; every look-up is audited."""
    normalise = _NORMALISERS.get(
        kind, lambda v, _f: v.strip().lower() if kind != "esp_account" else v.strip()
    )
    wanted = normalise(value, "value")
    with db.unit_of_work() as session:
        rows = session.execute(
            select(Operation.name, SubjectReferral.subject_id, Referral.source, Referral.report_id)
            .select_from(ReferralIdentifier)
            .join(Referral, Referral.id == ReferralIdentifier.referral_id)
            .join(Operation, Operation.id == Referral.operation_id)
            .outerjoin(SubjectReferral, SubjectReferral.referral_id == Referral.id)
            .where(ReferralIdentifier.kind == kind, ReferralIdentifier.value == wanted)
            .order_by(Operation.name, Referral.source, Referral.report_id)
        ).all()
        hits = [
            IdentifierHit(name, subject_id, f"{source}:{report_id}")
            for name, subject_id, source, report_id in rows
        ]
        audit.record(
            session, actor, "identifier.lookup", "identifier", f"{kind}:{wanted}", hits=len(hits)
        )
    return hits

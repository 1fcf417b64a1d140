"""What people read about referrals and subjects: the referrals queue, one referral, and the
subject page (identifiers, linked referrals, graded evidence counts, risk, packages and the
deconfliction hits of its identifiers across operations and forces).

Referrals are the national coordinator's until a subject is allocated: a force sees a referral
or a subject only once the subject is allocated to it. Every read is audited; another force's
record reads as "not found" and the attempt is audited too."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from footprint.hashsets.grading import FileGrade, graded_as
from footprint.operations.assessments import RiskView, current_risk_in, visible_subject
from footprint.operations.scoping import require_visible, scoped_unit_of_work
from footprint.operations.service import get_operation
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.permissions import Action, require
from footprint.store import Database
from footprint.store.database import aware_utc
from footprint.store.models import (
    Case,
    IntelPackage,
    Operation,
    Organisation,
    Referral,
    ReferralFileRow,
    ReferralIdentifier,
    Subject,
    SubjectMerge,
    SubjectReferral,
)


class ReferralFilter(StrEnum):
    """Which referrals the queue lists."""

    ALL = "all"
    UNRESOLVED = "unresolved"  # not yet part of a subject
    AWAITING_GRADING = "awaiting-grading"  # a file waits for graders' votes
    UNGRADED = "ungraded"  # a file not yet matched against the hash sets


@dataclass(frozen=True, slots=True, order=True)
class IdentifierValue:
    kind: str  # email | phone | screen_name | esp_account | device_id | profile_url
    value: str  # normalised as stored


@dataclass(frozen=True, slots=True)
class ReferralRow:
    id: int
    source: str
    report_id: str
    incident_type: str | None
    received_at: datetime
    files: int
    awaiting_grading: int
    subject_id: int | None


@dataclass(frozen=True, slots=True)
class ReferralView:
    id: int
    operation: str
    source: str
    report_id: str
    incident_type: str | None
    incident_at: datetime | None
    received_at: datetime
    prior_report_ids: list[str]
    subject_id: int | None
    subject_reason: str | None
    identifiers: list[IdentifierValue]
    ip_events: list[dict[str, Any]]
    postcodes: list[str]
    files: list[dict[str, Any]]  # hashes and grades, never imagery


@dataclass(frozen=True, slots=True)
class DeconflictionHit:
    """Another subject that shares an identifier with this one, and where it has gone."""

    identifier: str
    operation: str
    subject_id: int
    force: str | None
    package_id: int | None
    case_id: int | None


@dataclass(frozen=True, slots=True)
class SubjectView:
    id: int
    operation: str
    force: str | None
    allocation_source: str | None
    allocation_detail: str | None
    identifiers: list[IdentifierValue]
    referrals: list[dict[str, Any]]
    evidence_by_category: dict[str, int]  # counts per category, never imagery
    risk: RiskView | None
    packages: list[dict[str, Any]]
    merges: list[dict[str, Any]]
    deconfliction: list[DeconflictionHit] = field(default_factory=list)


def _filtered(query: Select[Any], wanted: ReferralFilter) -> Select[Any]:
    if wanted is ReferralFilter.UNRESOLVED:
        linked = select(SubjectReferral.referral_id).where(
            SubjectReferral.referral_id == Referral.id
        )
        return query.where(~linked.exists())
    if wanted in (ReferralFilter.AWAITING_GRADING, ReferralFilter.UNGRADED):
        status = FileGrade.UNGRADED if wanted is ReferralFilter.UNGRADED else FileGrade.QUEUED
        files = select(ReferralFileRow.id).where(
            ReferralFileRow.referral_id == Referral.id, ReferralFileRow.grade_status == status
        )
        return query.where(files.exists())
    return query


def list_referrals(
    db: Database,
    actor: Actor,
    operation_name: str,
    wanted: ReferralFilter = ReferralFilter.ALL,
    offset: int = 0,
    limit: int = 100,
) -> list[ReferralRow]:
    """One page of an operation's referrals, oldest first; the queue is the coordinator's."""
    require(actor, Action.REFERRAL_READ)
    with db.unit_of_work() as session:
        operation = get_operation(session, actor, operation_name)
        query = select(Referral).where(Referral.operation_id == operation.id)
        page = session.scalars(
            _filtered(query, wanted).order_by(Referral.id).offset(offset).limit(limit)
        ).all()
        rows = _referral_rows(session, page)
        audit.record_read(
            session,
            actor,
            "referral.list",
            "operation",
            operation.id,
            filter=str(wanted),
            offset=offset,
            count=len(rows),
        )
    return rows


def _referral_rows(session: Session, page: Any) -> list[ReferralRow]:
    ids = [r.id for r in page]
    files = dict(
        session.execute(
            select(ReferralFileRow.referral_id, func.count())
            .where(ReferralFileRow.referral_id.in_(ids))
            .group_by(ReferralFileRow.referral_id)
        ).all()
    )
    waiting = dict(
        session.execute(
            select(ReferralFileRow.referral_id, func.count())
            .where(
                ReferralFileRow.referral_id.in_(ids),
                ReferralFileRow.grade_status == FileGrade.QUEUED,
            )
            .group_by(ReferralFileRow.referral_id)
        ).all()
    )
    subjects = dict(
        session.execute(
            select(SubjectReferral.referral_id, SubjectReferral.subject_id).where(
                SubjectReferral.referral_id.in_(ids)
            )
        ).all()
    )
    return [
        ReferralRow(
            r.id,
            r.source,
            r.report_id,
            r.incident_type,
            aware_utc(r.received_at),
            files.get(r.id, 0),
            waiting.get(r.id, 0),
            subjects.get(r.id),
        )
        for r in page
    ]


def _holder(session: Session, subject_id: int | None) -> str | None:
    if subject_id is None:
        return None
    return session.scalar(
        select(Organisation.code)
        .join(Subject, Subject.force_id == Organisation.id)
        .where(Subject.id == subject_id)
    )


def get_referral(db: Database, actor: Actor, referral_id: int) -> ReferralView:
    """One referral with its identifiers, IP events, postcodes and graded files."""
    with scoped_unit_of_work(db, actor, "referral", referral_id) as session:
        referral = session.get(Referral, referral_id)
        if referral is None:
            raise LookupError(f"referral {referral_id}: not found")
        link = session.scalar(
            select(SubjectReferral).where(SubjectReferral.referral_id == referral_id)
        )
        subject_id = link.subject_id if link else None
        require_visible(actor, _holder(session, subject_id), f"referral {referral_id}")
        view = ReferralView(
            referral.id,
            session.get_one(Operation, referral.operation_id).name,
            referral.source,
            referral.report_id,
            referral.incident_type,
            aware_utc(referral.incident_at) if referral.incident_at else None,
            aware_utc(referral.received_at),
            list(referral.prior_report_ids or []),
            subject_id,
            link.reason if link else None,
            sorted({IdentifierValue(i.kind, i.value) for i in referral.identifiers}),
            [
                {
                    "ip": e.ip,
                    "port": e.port,
                    "at": aware_utc(e.at),
                    "event": e.event,
                    "possible_proxy": e.possible_proxy,
                }
                for e in sorted(referral.ip_events, key=lambda e: e.at)
            ],
            sorted(p.postcode for p in referral.postcodes),
            [_file(f) for f in sorted(referral.files, key=lambda f: f.id)],
        )
        audit.record_read(session, actor, "referral.read", "referral", referral_id)
        return view


def _file(row: ReferralFileRow) -> dict[str, Any]:
    signals = row.signal_values()
    return {
        "id": row.id,
        "file_name": row.file_name,
        "signals": signals,
        "md5": signals.get("md5"),
        "sha1": signals.get("sha1"),
        "sha256": signals.get("sha256"),
        "has_pdq": "pdq" in signals,
        "grade_status": row.grade_status,
        "category": row.category,
        "match_set": row.match_set,
        "match_kind": row.match_kind,
        "match_distance": row.match_distance,
        "votes": len(row.votes),
    }


def get_subject(db: Database, actor: Actor, subject_id: int) -> SubjectView:
    """The subject page: for the coordinator, or the force the subject is allocated to."""
    with scoped_unit_of_work(db, actor, "subject", subject_id) as session:
        subject = visible_subject(session, actor, subject_id)
        referrals = session.scalars(
            select(Referral)
            .join(SubjectReferral, SubjectReferral.referral_id == Referral.id)
            .where(SubjectReferral.subject_id == subject_id)
            .order_by(Referral.id)
        ).all()
        reasons = dict(
            session.execute(
                select(SubjectReferral.referral_id, SubjectReferral.reason).where(
                    SubjectReferral.subject_id == subject_id
                )
            ).all()
        )
        identifiers = sorted(
            {IdentifierValue(i.kind, i.value) for r in referrals for i in r.identifiers}
        )
        view = SubjectView(
            subject.id,
            session.get_one(Operation, subject.operation_id).name,
            subject.force.code if subject.force else None,
            subject.allocation_source,
            subject.allocation_detail,
            identifiers,
            [
                {
                    "id": r.id,
                    "source": r.source,
                    "report_id": r.report_id,
                    "received_at": aware_utc(r.received_at),
                    "reason": reasons.get(r.id),
                }
                for r in referrals
            ],
            _evidence(session, [r.id for r in referrals]),
            current_risk_in(session, subject_id),
            _packages(session, subject_id),
            _merges(session, subject_id),
            _deconfliction(session, subject_id, identifiers),
        )
        audit.record_read(session, actor, "subject.read", "subject", subject_id)
        return view


def _evidence(session: Session, referral_ids: list[int]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    rows = session.execute(
        select(ReferralFileRow.grade_status, ReferralFileRow.category, func.count())
        .where(ReferralFileRow.referral_id.in_(referral_ids))
        .group_by(ReferralFileRow.grade_status, ReferralFileRow.category)
    ).all()
    for status, category, n in rows:
        counts[graded_as(status, category)] += n
    return dict(sorted(counts.items()))


def _packages(session: Session, subject_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(IntelPackage.id, Organisation.code, IntelPackage.status, IntelPackage.deadline)
        .join(Organisation, Organisation.id == IntelPackage.force_id)
        .where(IntelPackage.subject_id == subject_id)
        .order_by(IntelPackage.id)
    ).all()
    return [
        {"id": i, "force": code, "status": status, "deadline": aware_utc(deadline)}
        for i, code, status, deadline in rows
    ]


def _merges(session: Session, subject_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(SubjectMerge).where(SubjectMerge.survivor_id == subject_id).order_by(SubjectMerge.id)
    )
    return [
        {
            "id": m.id,
            "absorbed": m.absorbed_id,
            "reason": m.reason,
            "referrals": len(m.moved_referral_ids),
            "merged_by": m.merged_by,
            "undone": m.undone_at is not None,
        }
        for m in rows
    ]


def _deconfliction(
    session: Session, subject_id: int, identifiers: list[IdentifierValue]
) -> list[DeconflictionHit]:
    """Other subjects holding any of these identifiers, in any operation or force."""
    if not identifiers:
        return []
    hits: dict[tuple[str, int], DeconflictionHit] = {}
    for identifier in identifiers:
        kind, value = identifier.kind, identifier.value
        rows = session.execute(
            select(Operation.name, Subject.id, Organisation.code, IntelPackage.id, Case.id)
            .select_from(ReferralIdentifier)
            .join(SubjectReferral, SubjectReferral.referral_id == ReferralIdentifier.referral_id)
            .join(Subject, Subject.id == SubjectReferral.subject_id)
            .join(Operation, Operation.id == Subject.operation_id)
            .outerjoin(Organisation, Organisation.id == Subject.force_id)
            .outerjoin(IntelPackage, IntelPackage.subject_id == Subject.id)
            .outerjoin(Case, Case.package_id == IntelPackage.id)
            .where(
                ReferralIdentifier.kind == kind,
                ReferralIdentifier.value == value,
                Subject.id != subject_id,
            )
        ).all()
        for operation, other, force, package_id, case_id in rows:
            key = (f"{kind}:{value}", other)
            hits[key] = DeconflictionHit(key[0], operation, other, force, package_id, case_id)
    return sorted(hits.values(), key=lambda h: (h.identifier, h.subject_id))

"""Intelligence packages: issued by the coordinator to the force a subject is allocated to, as a
frozen snapshot (subject, referrals and identifiers, graded evidence summary, risk, deadline);
acknowledged by that force; transferable to another force with a reason."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import Session

from footprint.errors import Conflict
from footprint.hashsets.grading import graded_as
from footprint.operations.assessments import latest_assessment, visible_subject
from footprint.operations.case_workflow import OPEN_STATES, CaseState
from footprint.operations.cases import close_for_transfer, open_case
from footprint.operations.risk import ORDER
from footprint.operations.scoping import (
    held_by,
    held_record,
    scoped_unit_of_work,
)
from footprint.operations.service import OperationError
from footprint.security import audit
from footprint.security.actor import AccessDenied, Actor
from footprint.security.permissions import Action, require
from footprint.store import Database
from footprint.store.database import aware_utc
from footprint.store.models import (
    Case,
    IntelPackage,
    Organisation,
    PackageTransfer,
    Referral,
    ReferralFileRow,
    RiskAssessment,
    Subject,
    SubjectReferral,
)
from footprint.store.recent import RecentResults


class PackageStatus(StrEnum):
    ISSUED = "issued"  # sent to a force, not yet acknowledged: the deadline runs
    ACKNOWLEDGED = "acknowledged"  # the force holds it; a case is open


@dataclass(frozen=True, slots=True)
class PackageView:
    id: int
    subject_id: int
    force: str
    status: str
    risk_band: str
    deadline: datetime
    snapshot: dict[str, Any]
    case_id: int | None = None  # the holding force's case, once acknowledged


def _view(session: Session, package: IntelPackage) -> PackageView:
    case_id = session.scalar(
        select(Case.id).join(IntelPackage, LIVE_CASE).where(IntelPackage.id == package.id)
    )
    return PackageView(
        package.id,
        package.subject_id,
        package.force.code,
        package.status,
        package.risk_band,
        aware_utc(package.deadline),
        package.snapshot,
        case_id,
    )


def _instant(at: datetime | None) -> str | None:
    """An instant as the snapshot keeps it: ISO 8601 in UTC, the zone written out."""
    return None if at is None else aware_utc(at).isoformat()


def _snapshot(session: Session, subject: Subject, risk: RiskAssessment) -> dict[str, Any]:
    referrals = session.scalars(
        select(Referral)
        .join(SubjectReferral, SubjectReferral.referral_id == Referral.id)
        .where(SubjectReferral.subject_id == subject.id)
        .order_by(Referral.id)
    ).all()
    evidence: Counter[str] = Counter()
    files: dict[int, list[dict[str, Any]]] = {}
    for item in session.scalars(
        select(ReferralFileRow)
        .where(ReferralFileRow.referral_id.in_([r.id for r in referrals]))
        .order_by(ReferralFileRow.id)
    ):
        graded = graded_as(item.grade_status, item.category)
        evidence[graded] += 1
        files.setdefault(item.referral_id, []).append(
            {"file_name": item.file_name, "hashes": item.signal_values(), "graded": graded}
        )
    return {
        "subject_id": subject.id,
        "referrals": [
            {
                "id": r.id,
                "source": r.source,
                "report_id": r.report_id,
                "incident_type": r.incident_type,
                "incident_at": _instant(r.incident_at),
                "received_at": _instant(r.received_at),
                "identifiers": sorted(f"{i.kind}:{i.value}" for i in r.identifiers),
                "postcodes": sorted(p.postcode for p in r.postcodes),
                # what a force needs to act: the capture events (a subscriber check needs the
                # address, port and instant with its zone) and each file, hashes and grade
                "ip_events": [
                    {
                        "ip": e.ip,
                        "port": e.port,
                        "at": _instant(e.at),
                        "event": e.event,
                        "possible_proxy": e.possible_proxy,
                    }
                    for e in sorted(r.ip_events, key=lambda e: (aware_utc(e.at), e.id))
                ],
                "files": files.get(r.id, []),
            }
            for r in referrals
        ],
        "evidence_files_by_category": dict(sorted(evidence.items())),  # counts, never imagery
        "risk": {
            "band": risk.override_band or risk.band,
            "assessed_band": risk.band,
            "override_reason": risk.override_reason,
            "reasons": risk.reasons,
            "factors": sorted(risk.factors),  # those that are also case flags carry over
        },
        "allocation": {"source": subject.allocation_source, "detail": subject.allocation_detail},
    }


def issue_package(
    db: Database, actor: Actor, subject_id: int, second_reason: str | None = None
) -> PackageView:
    """Issue the subject's package to its force. A subject with a package still open (issued,
    or its case not yet closed) gets a second only with a reason, kept in the audit entry."""
    with scoped_unit_of_work(db, actor, "subject", subject_id) as session:
        subject = visible_subject(session, actor, subject_id)  # another force's reads as missing
        require(actor, Action.PACKAGE_ISSUE, f"subject {subject_id}")
        if subject.force is None:
            raise OperationError(f"subject {subject_id}: not allocated to a force yet")
        open_package = _open_package(session, subject_id)
        reason = (second_reason or "").strip()
        if open_package is not None and not reason:
            raise Conflict(
                f"subject {subject_id}: package {open_package} is still open; a second package "
                "needs a reason"
            )
        risk = latest_assessment(session, subject_id)
        if risk is None:
            raise OperationError(f"subject {subject_id}: assess the risk before issuing a package")
        snapshot = _snapshot(session, subject, risk)
        package = IntelPackage(
            subject_id=subject_id,
            force=subject.force,
            status=PackageStatus.ISSUED,
            risk_band=snapshot["risk"]["band"],
            snapshot=snapshot,
            deadline=aware_utc(risk.deadline),
            issued_at=datetime.now(UTC),
            issued_by=actor.username,
        )
        session.add(package)
        session.flush()
        audit.record(
            session,
            actor,
            "package.issue",
            "package",
            package.id,
            subject=subject_id,
            force=subject.force.code,
            **({"second_to": open_package, "reason": reason} if open_package else {}),
        )
        return _view(session, package)


def _open_package(session: Session, subject_id: int) -> int | None:
    """The subject's package still in hand: issued, or acknowledged with its case open."""
    packages = session.scalars(
        select(IntelPackage).where(IntelPackage.subject_id == subject_id).order_by(IntelPackage.id)
    )
    for package in packages:
        if package.status == PackageStatus.ISSUED:
            return package.id
        states = session.scalars(select(Case.state).where(Case.package_id == package.id))
        if any(CaseState(state) in OPEN_STATES for state in states):
            return package.id
    return None


def _held(session: Session, actor: Actor, package_id: int) -> IntelPackage:
    return held_record(session, actor, IntelPackage, package_id, "package")


def get_package(db: Database, actor: Actor, package_id: int) -> PackageView:
    with scoped_unit_of_work(db, actor, "package", package_id) as session:
        package = _held(session, actor, package_id)
        audit.record_read(session, actor, "package.read", "package", package_id)
        return _view(session, package)


def acknowledge_package(db: Database, actor: Actor, package_id: int) -> PackageView:
    """The receiving force confirms it has the package; its case opens as received."""
    with scoped_unit_of_work(db, actor, "package", package_id) as session:
        package = _held(session, actor, package_id)
        if actor.organisation != package.force.code:
            raise AccessDenied(f"package {package_id}: only {package.force.code} acknowledges it")
        require(actor, Action.PACKAGE_ACKNOWLEDGE, f"package {package_id}")
        if package.status == PackageStatus.ACKNOWLEDGED:
            raise OperationError(f"package {package_id}: already acknowledged")
        package.status, package.acknowledged_at, package.acknowledged_by = (
            PackageStatus.ACKNOWLEDGED,
            datetime.now(UTC),
            actor.username,
        )
        audit.record(session, actor, "package.acknowledge", "package", package_id)
        open_case(session, actor, package)
        return _view(session, package)


def transfer_package(
    db: Database, actor: Actor, package_id: int, to_force: str, reason: str
) -> PackageView:
    """Move a package (and its subject) to another force; the new force must acknowledge it."""
    if not reason.strip():
        raise OperationError("reason: a transfer needs a reason")
    with scoped_unit_of_work(db, actor, "package", package_id) as session:
        package = _held(session, actor, package_id)  # another force's reads as missing
        require(actor, Action.PACKAGE_TRANSFER, f"package {package_id}")
        target = session.scalar(
            select(Organisation).where(Organisation.code == to_force, Organisation.kind == "force")
        )
        if target is None:
            raise OperationError(f"to_force {to_force!r}: not a police force code")
        if target.id == package.force_id:
            raise OperationError(f"to_force {to_force}: the package is already there")
        from_force = package.force.code
        session.add(
            PackageTransfer(
                package_id=package_id,
                from_force=from_force,
                to_force=to_force,
                reason=reason.strip(),
                transferred_at=datetime.now(UTC),
                transferred_by=actor.username,
            )
        )
        close_for_transfer(session, actor, package_id, to_force)
        package.force, package.status = target, PackageStatus.ISSUED
        package.acknowledged_at = package.acknowledged_by = None
        subject = session.get_one(Subject, package.subject_id)
        subject.force_id, subject.allocation_source = target.id, "transfer"
        subject.allocation_detail = f"transferred from {from_force}: {reason.strip()}"
        audit.record(
            session,
            actor,
            "package.transfer",
            "package",
            package_id,
            from_force=from_force,
            to_force=to_force,
            reason=reason.strip(),
        )
        return _view(session, package)


# a package's deadline is met once its case has gone past research and warrants
AWAITING_ACTION = (
    CaseState.RECEIVED,
    CaseState.RESEARCHING,
    CaseState.WARRANT_APPLIED,
    CaseState.WARRANT_GRANTED,
)
# joins a package to its live case: a transfer ends the old force's case, the new one opens its own
LIVE_CASE = (Case.package_id == IntelPackage.id) & (Case.state != CaseState.TRANSFERRED)
# on a package joined (outer) to its live case: its deadline is still to be met
WAITING = or_(Case.id.is_(None), Case.state.in_(AWAITING_ACTION))


@dataclass(frozen=True, slots=True)
class PackageDue:
    id: int
    subject_id: int
    force: str
    risk_band: str
    deadline: datetime
    case_id: int | None
    case_state: str | None  # None: not yet acknowledged
    overdue: bool


@dataclass(frozen=True, slots=True)
class PackageOverview:
    by_band: dict[str, int]  # every package the actor may see, by risk band (low to very high)
    awaiting_action: int
    overdue: int
    due: list[PackageDue]  # awaiting action, soonest deadline (so overdue) first


_RECENT: RecentResults[tuple[dict[str, int], int, int]] = RecentResults()


def _waiting_query(coordinator: bool) -> Select[*tuple[Any, ...]]:
    """Packages whose deadline is still to be met: no case yet, or one awaiting action."""
    return (
        select(
            IntelPackage.id,
            IntelPackage.subject_id,
            Organisation.code,
            IntelPackage.risk_band,
            IntelPackage.deadline,
            Case.id,
            Case.state,
        )
        .join(Organisation, Organisation.id == IntelPackage.force_id)
        .outerjoin(Case, LIVE_CASE)
        .where(*held_by(IntelPackage.force_id, coordinator), WAITING)
    )


# built once for the coordinator and once for a force: every dashboard asks
_WAITING = {coordinator: _waiting_query(coordinator) for coordinator in (True, False)}
_DUE = {
    coordinator: waiting.order_by(IntelPackage.deadline, IntelPackage.id).limit(bindparam("limit"))
    for coordinator, waiting in _WAITING.items()
}


def _counted(
    session: Session, coordinator: bool, force: str, now: datetime
) -> tuple[dict[str, int], int, int]:
    """Packages by risk band; awaiting action, and of those overdue."""
    bands = session.execute(
        select(IntelPackage.risk_band, func.count())
        .where(*held_by(IntelPackage.force_id, coordinator))
        .group_by(IntelPackage.risk_band),
        {"force": force},
    ).all()
    listed = _WAITING[coordinator].with_only_columns(IntelPackage.deadline).subquery()
    awaiting, overdue = session.execute(
        select(func.count(), func.count().filter(listed.c.deadline < now)), {"force": force}
    ).one()
    return dict(bands), int(awaiting), int(overdue)


def package_overview(
    db: Database,
    actor: Actor,
    now: datetime | None = None,
    limit: int = 50,
    max_age: timedelta | None = None,
) -> PackageOverview:
    """What a dashboard shows: packages by risk band, and those whose deadline is still to be
    met, overdue first. The coordinator sees every force's, a force its own. With max_age
    (dashboards), the counts made that recently in this process are reused; the list of
    packages due is always read afresh."""
    now = now or datetime.now(UTC)
    coordinator, force = actor.is_coordinator, actor.organisation

    def counted() -> tuple[dict[str, int], int, int]:
        with db.unit_of_work() as own:  # its own session: it may run in the background
            return _counted(own, coordinator, force, now)

    with audit.reading(db) as session:
        key = (db.url, "*" if coordinator else force)
        bands, awaiting, overdue = (
            _RECENT.get(key, max_age.total_seconds(), counted) if max_age else counted()
        )
        rows = session.execute(_DUE[coordinator], {"force": force, "limit": limit})
        due = [
            PackageDue(
                package_id,
                subject_id,
                code,
                band,
                aware_utc(deadline),
                case_id,
                state,
                aware_utc(deadline) < now,
            )
            for package_id, subject_id, code, band, deadline, case_id, state in rows
        ]
        audit.record_read(session, actor, "package.overview", "package", "*", listed=len(due))
    return PackageOverview(
        {band.value: bands.get(band.value, 0) for band in ORDER}, awaiting, overdue, due
    )

"""Risk assessments of subjects: computed by the assessor, overridable by an officer with a
recorded reason; the band in force sets the action deadline."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from footprint.hashsets.grading import FileGrade
from footprint.hashsets.model import UnifiedCategory
from footprint.operations.resolution import SubjectStatus
from footprint.operations.risk import EVIDENCE_FACTORS, Band, RiskModel, assess
from footprint.operations.scoping import require_visible, scoped_unit_of_work
from footprint.operations.service import OperationError
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.permissions import Action, require
from footprint.store import Database
from footprint.store.database import aware_utc
from footprint.store.models import (
    Case,
    ReferralFileRow,
    RiskAssessment,
    SeizedDevice,
    Subject,
    SubjectReferral,
)


@dataclass(frozen=True, slots=True)
class RiskView:
    assessment_id: int
    subject_id: int
    band: Band  # the band in force: the override if there is one
    assessed_band: Band
    score: int
    reasons: tuple[str, ...]
    override_reason: str | None
    deadline: datetime


def _view(row: RiskAssessment) -> RiskView:
    return RiskView(
        row.id,
        row.subject_id,
        Band(row.override_band or row.band),
        Band(row.band),
        row.score,
        tuple(row.reasons),
        row.override_reason,
        aware_utc(row.deadline),
    )


def visible_subject(session: Session, actor: Actor, subject_id: int) -> Subject:
    """The subject if the actor may see it: the coordinator, or the force it is allocated to."""
    subject = session.get(Subject, subject_id)
    if subject is None or subject.status != SubjectStatus.ACTIVE:
        raise LookupError(f"subject {subject_id}: not found")
    require_visible(actor, subject.force.code if subject.force else None, f"subject {subject_id}")
    return subject


@contextmanager
def _subject_session(
    db: Database, actor: Actor, subject_id: int
) -> Iterator[tuple[Session, Subject]]:
    with scoped_unit_of_work(db, actor, "subject", subject_id) as session:
        yield session, visible_subject(session, actor, subject_id)


def category_a_files(session: Session, subject_id: int) -> int:
    """The subject's files whose category A stands: their referrals' files (matched or settled
    by graders) and the files of their cases' seized devices (counted the same way)."""
    graded = [str(FileGrade.MATCHED), str(FileGrade.SETTLED)]
    referral_files = session.scalar(
        select(func.count())
        .select_from(ReferralFileRow)
        .join(SubjectReferral, SubjectReferral.referral_id == ReferralFileRow.referral_id)
        .where(
            SubjectReferral.subject_id == subject_id,
            ReferralFileRow.grade_status.in_(graded),
            ReferralFileRow.category == str(UnifiedCategory.A),
        )
    )
    device_counts = session.scalars(
        select(SeizedDevice.scan_counts)
        .join(Case, SeizedDevice.case_id == Case.id)
        .where(Case.subject_id == subject_id)
    )
    on_devices = sum((counts or {}).get(str(UnifiedCategory.A), 0) for counts in device_counts)
    return int(referral_files or 0) + on_devices


def latest_assessment(session: Session, subject_id: int) -> RiskAssessment | None:
    """The assessment in force: the newest one."""
    query = select(RiskAssessment).where(RiskAssessment.subject_id == subject_id)
    return session.scalars(query.order_by(RiskAssessment.id.desc())).first()


def assess_subject(
    db: Database, actor: Actor, subject_id: int, factors: set[str], model: RiskModel | None = None
) -> RiskView:
    model = model or RiskModel()
    if typed := factors & EVIDENCE_FACTORS:
        raise OperationError(
            f"factors: {', '.join(sorted(typed))} comes from the graded evidence, not a form"
        )
    now = datetime.now(UTC)
    with _subject_session(db, actor, subject_id) as (session, _subject):
        require(actor, Action.RISK_ASSESS, f"subject {subject_id}")  # after visibility
        category_a = category_a_files(session, subject_id)
        found = factors | ({"category_a_images"} if category_a else set())
        try:
            result = assess(found, model)
        except ValueError as exc:
            raise OperationError(str(exc)) from None
        if category_a:
            evidence = f"evidence: {category_a} file(s) graded category A"
            result = replace(result, reasons=(*result.reasons, evidence))
        factors = found
        row = RiskAssessment(
            subject_id=subject_id,
            factors=sorted(factors),
            score=result.score,
            band=str(result.band),
            reasons=list(result.reasons),
            assessed_by=actor.username,
            assessed_at=now,
            deadline=result.deadline(model, now),
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            "risk.assess",
            "subject",
            subject_id,
            band=str(result.band),
            score=result.score,
        )
        return _view(row)


def override_risk(
    db: Database,
    actor: Actor,
    subject_id: int,
    band: Band,
    reason: str,
    model: RiskModel | None = None,
) -> RiskView:
    """An officer's judgement over the assessor's: needs a reason; the deadline follows the band."""
    model = model or RiskModel()
    if not reason.strip():
        raise OperationError("reason: an override needs a recorded reason")
    with _subject_session(db, actor, subject_id) as (session, _subject):
        require(actor, Action.RISK_OVERRIDE, f"subject {subject_id}")  # after visibility
        row = latest_assessment(session, subject_id)
        if row is None:
            raise OperationError(f"subject {subject_id}: assess it before overriding")
        assessed_at = aware_utc(row.assessed_at)
        row.override_band, row.override_reason, row.override_by = (
            str(band),
            reason.strip(),
            actor.username,
        )
        row.deadline = assessed_at + timedelta(days=model.deadline_days[band])
        audit.record(
            session,
            actor,
            "risk.override",
            "subject",
            subject_id,
            band=str(band),
            was=row.band,
            reason=reason.strip(),
        )
        return _view(row)


def current_risk_in(session: Session, subject_id: int) -> RiskView | None:
    row = latest_assessment(session, subject_id)
    return _view(row) if row else None


def current_risk(db: Database, actor: Actor, subject_id: int) -> RiskView | None:
    with _subject_session(db, actor, subject_id) as (session, _subject):
        audit.record_read(session, actor, "risk.read", "subject", subject_id)
        return current_risk_in(session, subject_id)

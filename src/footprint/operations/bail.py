"""Pre-charge bail on a case: started with its conditions, extended stage by stage with the
authority each stage needs, ended when the case moves on, and the reviews due (the rules are
pure, in outcomes.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from footprint.operations.case_view import (
    CaseView,
    bail_stage,
    case_view,
    checked_day,
    day_of,
    recorded,
    step,
    writable_case,
)
from footprint.operations.case_workflow import CaseState
from footprint.operations.outcomes import (
    BAIL_AUTHORITY,
    BAIL_REVIEW_DAYS,
    BailStage,
    OutcomeError,
    bail_condition,
    bail_expiry,
    days_left,
    next_stage,
    review_due_by,
    stage_after,
)
from footprint.operations.scoping import held_by, paged, reader_bounds, scoped_unit_of_work
from footprint.operations.service import OperationError
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.store import Database
from footprint.store.models import Bail, BailExtension, Organisation


def start_bail(
    db: Database,
    actor: Actor,
    case_id: int,
    started_on: date,
    conditions: list[str],
    authorised_by: str,
) -> CaseView:
    """Release on pre-charge bail: the case moves to on-bail and the 3-month clock starts."""
    conditions = [bail_condition(c) for c in conditions if c.strip()]  # short names or text
    if not conditions:
        raise OutcomeError(
            "conditions: bail needs at least one condition (else release under investigation)"
        )
    if not authorised_by.strip():
        raise OutcomeError("authorised_by: name the inspector who authorised bail")
    with scoped_unit_of_work(db, actor, "case", case_id) as session:
        case = writable_case(session, actor, case_id)
        checked_day(session, case, started_on, "started_on")
        arrested = day_of(session, case, CaseState.ARRESTED)
        if arrested is not None and started_on < arrested:
            raise OutcomeError(
                f"started_on: bail from {started_on.isoformat()} would start before the arrest "
                f"it follows ({arrested.isoformat()})"
            )
        step(session, actor, case, CaseState.ON_BAIL, f"bail from {started_on}", started_on)
        bail = Bail(
            case_id=case_id,
            force_id=case.force_id,
            started_on=started_on,
            expires_on=bail_expiry(started_on, BailStage.INITIAL),
            conditions=conditions,
            authorised_by=authorised_by.strip(),
            active=True,
        )
        return recorded(session, actor, case, bail, "case.bail")


def extend_bail(
    db: Database,
    actor: Actor,
    case_id: int,
    authorised_by: str,
    court_until: date | None = None,
) -> CaseView:
    """Extend to the next stage (6, then 9 months); beyond 9 months a court sets the date."""
    if not authorised_by.strip():
        raise OutcomeError("authorised_by: name who authorised the extension")
    with scoped_unit_of_work(db, actor, "case", case_id) as session:
        case = writable_case(session, actor, case_id)
        bail = _active_bail(session, case_id)
        stage = next_stage(bail_stage(bail))
        if stage is BailStage.COURT:
            if court_until is None or court_until <= bail.expires_on:
                raise OutcomeError(
                    f"court_until: bail is at 9 months; only a magistrates' court extends it, "
                    f"to a date after {bail.expires_on}"
                )
            expires_on = court_until
        else:
            expires_on = bail_expiry(bail.started_on, stage)
        bail.expires_on = expires_on
        bail.extensions.append(
            BailExtension(
                stage=stage,
                expires_on=expires_on,
                authorised_by=authorised_by.strip(),
                authority=BAIL_AUTHORITY[stage],
                recorded_at=datetime.now(UTC),
                recorded_by=actor.username,
            )
        )
        audit.record(
            session, actor, "case.bail-extend", "case", case_id, stage=stage, until=str(expires_on)
        )
        return case_view(session, case)


def _active_bail(session: Session, case_id: int) -> Bail:
    bail = session.scalar(select(Bail).where(Bail.case_id == case_id, Bail.active.is_(True)))
    if bail is None:
        raise OperationError(f"case {case_id}: not on bail")
    return bail


@dataclass(frozen=True, slots=True)
class BailDue:
    case_id: int
    force: str
    expires_on: date
    days_left: int
    stage: BailStage
    next_authority: str


LAST_DAY = "last_day"  # bound: the last expiry day the query lists


def _due_within(coordinator: bool) -> list[Any]:
    """Active bail ending by the bound last day, held by the reader."""
    return [
        Bail.active.is_(True),
        Bail.expires_on <= bindparam(LAST_DAY),
        *held_by(Bail.force_id, coordinator),
    ]


def _bail_due_query(coordinator: bool) -> Select[*tuple[Any, ...]]:
    latest_extension = (
        select(BailExtension.stage)
        .where(BailExtension.bail_id == Bail.id)
        .order_by(BailExtension.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return paged(  # plain rows: a page of Bail objects with their extensions cost more
        select(
            Bail.case_id,
            Organisation.code.label("force"),
            Bail.expires_on,
            latest_extension.label("extended_to"),
        )
        .join(Organisation, Organisation.id == Bail.force_id)
        .where(*_due_within(coordinator))
        .order_by(Bail.expires_on, Bail.case_id)
    )


# built once for the coordinator and once for a force: dashboards and the API ask all the time
BAIL_DUE = {coordinator: _bail_due_query(coordinator) for coordinator in (True, False)}
BAIL_DUE_COUNT = {
    coordinator: select(func.count()).select_from(Bail).where(*_due_within(coordinator))
    for coordinator in (True, False)
}


def count_bail_due(
    db: Database, actor: Actor, today: date, within_days: int = BAIL_REVIEW_DAYS
) -> int:
    """How many of the reader's active bail end within the window (or already have): a count,
    which names no case, so it is not a read to audit."""
    bounds = reader_bounds(actor, 0, None, **{LAST_DAY: review_due_by(today, within_days)})
    with db.read_only() as session:
        return int(session.execute(BAIL_DUE_COUNT[actor.is_coordinator], bounds).scalar_one())


def bail_expiring(
    db: Database,
    actor: Actor,
    today: date,
    within_days: int = BAIL_REVIEW_DAYS,
    offset: int = 0,
    limit: int | None = None,
) -> list[BailDue]:
    """Active bail ending within the window (or already past), soonest first: what a supervisor
    must review before it lapses. A page at a time when `limit` is given."""
    last_day = review_due_by(today, within_days)
    bounds = reader_bounds(actor, offset, limit, **{LAST_DAY: last_day})
    with audit.reading(db) as session:
        due = []
        for row in session.execute(BAIL_DUE[actor.is_coordinator], bounds):
            stage = stage_after(row.extended_to)
            authority = BAIL_AUTHORITY[next_stage(stage)]
            left = days_left(row.expires_on, today)
            due.append(BailDue(row.case_id, row.force, row.expires_on, left, stage, authority))
        audit.record_read(session, actor, "case.bail-due", "case", "*", count=len(due))
    return due

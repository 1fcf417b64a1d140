"""A case as people see it, and what every service that records on a case shares: finding the
case the actor holds, refusing who may not record, adding an audited row and showing the case
as it now stands (one query per kind of record)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from footprint.clock import service_day
from footprint.hashsets.model import CHARGING_CATEGORIES
from footprint.operations.case_workflow import CaseState, advance, allowed_next
from footprint.operations.outcomes import BailStage, OutcomeError, check_day, stage_after
from footprint.operations.scoping import held_record
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.permissions import Action, require
from footprint.store.database import aware_utc
from footprint.store.models import (
    Bail,
    Case,
    CaseAssignment,
    CaseEvent,
    CaseTask,
    Charge,
    ChildSafeguarded,
    Operation,
    Organisation,
    PropertySearch,
    SafeguardingAction,
    SeizedDevice,
)


@dataclass(frozen=True, slots=True)
class CaseView:
    id: int
    package_id: int
    subject_id: int
    force: str
    state: CaseState
    allowed_next: list[CaseState]
    position_of_trust: bool
    registered_sex_offender: bool
    officer: str | None = None  # the officer in charge
    opened_at: datetime | None = None
    risk_band: str | None = None  # the package's, as assessed when it was issued
    history: list[dict[str, Any]] = field(default_factory=list)
    searches: list[dict[str, Any]] = field(default_factory=list)
    devices: list[dict[str, Any]] = field(default_factory=list)
    charging_summary: dict[str, int] = field(default_factory=dict)
    charges: list[dict[str, Any]] = field(default_factory=list)
    bail: list[dict[str, Any]] = field(default_factory=list)
    children: list[dict[str, Any]] = field(default_factory=list)
    safeguarding_actions: list[dict[str, Any]] = field(default_factory=list)
    officers: list[dict[str, Any]] = field(default_factory=list)  # each holder, in order
    tasks: list[dict[str, Any]] = field(default_factory=list)  # open by due day, then done


def record_event(
    session: Session,
    actor: Actor,
    case: Case,
    from_state: CaseState | None,
    to_state: CaseState,
    note: str | None,
    happened_on: date | None = None,
) -> None:
    session.add(
        CaseEvent(
            case_id=case.id,
            from_state=from_state,
            to_state=to_state,
            at=datetime.now(UTC),
            by=actor.username,
            note=note,
            happened_on=happened_on,
        )
    )


def stated(text: str, field: str, limit: int, missing: str) -> str:
    """What a person must say on a case (a reason, a task): trimmed, not empty, not too long."""
    said = text.strip()
    if not said:
        raise OutcomeError(f"{field}: {missing}")
    if len(said) > limit:
        raise OutcomeError(f"{field}: at most {limit} characters")
    return said


def checked_day(session: Session, case: Case, day: date, field: str) -> date:
    """A day something happened on the case: not in the future, not before its operation began."""
    operation = session.get_one(Operation, case.operation_id)
    began = f"operation {operation.name} began"
    return check_day(day, field, service_day(), operation.starts_on, began)


def day_of(session: Session, case: Case, state: CaseState) -> date | None:
    """The day the case last reached a state (an arrest), or None if it never did."""
    event = session.scalar(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.to_state == state)
        .order_by(CaseEvent.id.desc())
        .limit(1)
    )
    if event is None:
        return None
    return event.happened_on or service_day(aware_utc(event.at))


def add_to_case(session: Session, actor: Actor, case: Case, row: Any, action: str) -> None:
    """Add one outcome row to the case and audit it, in the caller's transaction."""
    session.add(row)
    session.flush()
    audit.record(session, actor, action, "case", case.id, entry=row.id)


def recorded(session: Session, actor: Actor, case: Case, row: Any, action: str) -> CaseView:
    """Add one outcome row to the case, audit it, and show the case as it now stands."""
    add_to_case(session, actor, case, row, action)
    return case_view(session, case)


def held_case(session: Session, actor: Actor, case_id: int) -> Case:
    return held_record(session, actor, Case, case_id, "case")


def writable_case(
    session: Session, actor: Actor, case_id: int, action: Action = Action.CASE_RECORD
) -> Case:
    case = held_case(session, actor, case_id)  # visibility first: another force's is missing
    require(actor, action, f"case {case_id}")
    return case


WITHDRAWAL = ("withdrawn_at", "withdrawn_by", "withdrawn_reason")  # a withdrawable row's


def charging_summary(devices: list[dict[str, Any]]) -> dict[str, int]:
    """Images per category over the case's devices' triage scans (withdrawn devices left out)."""
    totals = dict.fromkeys(map(str, CHARGING_CATEGORIES), 0)
    for device in devices:
        if device.get("withdrawn_at") is not None:
            continue
        for category in totals:
            totals[category] += (device["scan_counts"] or {}).get(category, 0)
    return totals


def case_summary(case: Case) -> CaseView:
    return summary_of(
        case.id,
        case.package_id,
        case.subject_id,
        case.force.code,
        case.state,
        case.position_of_trust,
        case.registered_sex_offender,
        case.officer,
        case.opened_at,
        case.risk_band,
    )


# a case as lists show it: with its package's risk band (kept on the case), which lists sort by
SUMMARY_COLUMNS = (
    Case.id,
    Case.package_id,
    Case.subject_id,
    Organisation.code,
    Case.state,
    Case.position_of_trust,
    Case.registered_sex_offender,
    Case.officer,
    Case.opened_at,
    Case.risk_band,
)


def summary_of(
    case_id: int,
    package_id: int,
    subject_id: int,
    force: str,
    state: str,
    position_of_trust: bool,
    registered_sex_offender: bool,
    officer: str | None,
    opened_at: datetime | None,
    risk_band: str | None,
) -> CaseView:
    now = CaseState(state)
    return CaseView(
        case_id,
        package_id,
        subject_id,
        force,
        now,
        allowed_next(now),
        position_of_trust,
        registered_sex_offender,
        officer,
        None if opened_at is None else aware_utc(opened_at),
        risk_band,
    )


def case_rows(session: Session, model: Any, case_id: int, *columns: str) -> list[dict[str, Any]]:
    rows = session.scalars(select(model).where(model.case_id == case_id).order_by(model.id))
    return [{"id": row.id} | {c: _shown(getattr(row, c)) for c in columns} for row in rows]


def _shown(value: Any) -> Any:
    """A column's value as the case shows it: an instant always with its zone (SQLite keeps
    none, and a time without one would be read in whatever zone the reader's machine is in)."""
    return aware_utc(value) if isinstance(value, datetime) else value


def case_view(session: Session, case: Case) -> CaseView:
    """The case as it now stands: a query per kind of record (each a round trip on PostgreSQL,
    so none is asked twice), with what this unit of work has changed flushed first."""
    session.flush()
    events = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    )
    bails = session.scalars(
        select(Bail)
        .where(Bail.case_id == case.id)
        .order_by(Bail.id)
        .options(selectinload(Bail.extensions))
    ).all()
    devices = case_rows(
        session,
        SeizedDevice,
        case.id,
        "exhibit_ref",
        "description",
        "seized_on",
        "scan_dir",
        "scan_counts",
        "scan_breakdown",
        "scan_summary_sha256",
        "recorded_by",
        *WITHDRAWAL,
    )
    tasks = case_rows(
        session, CaseTask, case.id, "title", "owner", "due_on", "done_at", "done_by", "done_note"
    )
    return replace(
        case_summary(case),
        officers=case_rows(
            session, CaseAssignment, case.id, "officer", "assigned_at", "assigned_by", "reason"
        ),
        tasks=sorted(tasks, key=lambda t: (t["done_at"] is not None, t["due_on"], t["id"])),
        history=[
            {
                "from": e.from_state,
                "to": e.to_state,
                "at": aware_utc(e.at),
                "by": e.by,
                "note": e.note,
            }
            for e in events
        ],
        searches=case_rows(session, PropertySearch, case.id, "address", "searched_on", *WITHDRAWAL),
        devices=devices,
        charging_summary=charging_summary(devices),
        charges=case_rows(
            session,
            Charge,
            case.id,
            "offence",
            "images_a",
            "images_b",
            "images_c",
            "charged_on",
            *WITHDRAWAL,
        ),
        bail=[
            {
                "started_on": b.started_on,
                "expires_on": b.expires_on,
                "stage": bail_stage(b),
                "conditions": b.conditions,
                "authorised_by": b.authorised_by,
                "active": b.active,
                "extensions": [
                    {
                        "stage": x.stage,
                        "expires_on": x.expires_on,
                        "authorised_by": x.authorised_by,
                        "authority": x.authority,
                    }
                    for x in b.extensions
                ],
            }
            for b in bails
        ],
        children=case_rows(
            session,
            ChildSafeguarded,
            case.id,
            "count",
            "age_band",
            "relationship_to_subject",
            "immediate_risk",
        ),
        safeguarding_actions=case_rows(
            session, SafeguardingAction, case.id, "kind", "action_on", "owner", "note"
        ),
    )


def bail_stage(bail: Bail) -> BailStage:
    return stage_after(bail.extensions[-1].stage if bail.extensions else None)


def step(
    session: Session,
    actor: Actor,
    case: Case,
    wanted: CaseState,
    note: str | None,
    happened_on: date | None = None,
) -> None:
    current = CaseState(case.state)
    case.state = advance(current, wanted)
    record_event(session, actor, case, current, wanted, note, happened_on)
    if current is CaseState.ON_BAIL:  # the case moved on: its bail ends today
        end_bail(session, case)


def end_bail(session: Session, case: Case) -> None:
    for bail in session.scalars(select(Bail).where(Bail.case_id == case.id, Bail.active.is_(True))):
        bail.active, bail.ended_on = False, service_day()

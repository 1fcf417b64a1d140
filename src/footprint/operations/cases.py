"""Cases: a force's investigation of a subject, from the acknowledged package to the outcome.

A case opens when the holding force acknowledges its package. Its state moves only through the
workflow of case_workflow.py; bail and transfer have their own calls because they need more
than a state (conditions and an authoriser; a receiving force and a reason). Every read and
write is audited; another force's case reads as "not found" and the attempt is audited.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from footprint.errors import Conflict
from footprint.hashsets.model import CHARGING_CATEGORIES
from footprint.operations.case_view import (
    SUMMARY_COLUMNS,
    CaseView,
    add_to_case,
    case_rows,
    case_view,
    charging_summary,
    checked_day,
    held_case,
    record_event,
    recorded,
    step,
    summary_of,
    writable_case,
)
from footprint.operations.case_workflow import OPEN_STATES, CaseState, allowed_next
from footprint.operations.listing import Order, band_rank, chosen, order_from, ordered_by
from footprint.operations.officers import take_charge
from footprint.operations.outcomes import (
    AgeBand,
    Offence,
    OutcomeError,
    Relationship,
    SafeguardingKind,
    choice,
)
from footprint.operations.risk import Band
from footprint.operations.scoping import held_by, paged, reader_bounds, scoped_unit_of_work
from footprint.operations.service import OperationError
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.store import Database
from footprint.store.models import (
    Case,
    Charge,
    ChildSafeguarded,
    IntelPackage,
    Organisation,
    PropertySearch,
    SafeguardingAction,
    SeizedDevice,
    Subject,
)


def open_case(session: Session, actor: Actor, package: IntelPackage) -> Case:
    """Called in the acknowledging transaction: the force now holds the investigation, and the
    officer who acknowledged it is in charge until a supervisor hands it on. The risk
    factors the package was assessed with that are also the case's flags (registered sex
    offender, position of trust) carry over."""
    subject = session.get_one(Subject, package.subject_id)
    factors = set(package.snapshot.get("risk", {}).get("factors") or [])
    case = Case(
        package_id=package.id,
        subject_id=package.subject_id,
        operation_id=subject.operation_id,
        force_id=package.force_id,
        state=CaseState.RECEIVED,
        opened_at=datetime.now(UTC),
        opened_by=actor.username,
        position_of_trust="position_of_trust" in factors,
        position_of_trust_detail="from the risk assessment"
        if "position_of_trust" in factors
        else None,
        registered_sex_offender="registered_sex_offender" in factors,
        risk_band=package.risk_band,
        deadline=package.deadline,
    )
    session.add(case)
    session.flush()
    take_charge(session, case, actor.username, actor.username, "acknowledged the package")
    record_event(
        session, actor, case, None, CaseState.RECEIVED, f"package {package.id} acknowledged"
    )
    audit.record(session, actor, "case.open", "case", case.id, package=package.id)
    return case


def close_for_transfer(session: Session, actor: Actor, package_id: int, to_force: str) -> None:
    """The package moved to another force: the open case here ends as transferred."""
    for case in session.scalars(select(Case).where(Case.package_id == package_id)):
        state = CaseState(case.state)
        if CaseState.TRANSFERRED in allowed_next(state):
            record_event(session, actor, case, state, CaseState.TRANSFERRED, f"to {to_force}")
            case.state = CaseState.TRANSFERRED
            audit.record(session, actor, "case.transfer", "case", case.id, to_force=to_force)


def advance_case(
    db: Database,
    actor: Actor,
    case_id: int,
    wanted: str,
    note: str | None = None,
    on: date | None = None,
) -> CaseView:
    """Move a case one step; an invalid step is refused with the steps allowed from here. `on`:
    the day it happened (an arrest yesterday), if not today."""
    try:
        target = CaseState(wanted.strip().lower())
    except ValueError:
        allowed = ", ".join(s.value for s in CaseState)
        raise OperationError(f"state: {wanted!r} is not a case state ({allowed})") from None
    if target is CaseState.ON_BAIL:
        raise OperationError("state: bail is started with its conditions (footprint case bail)")
    if target is CaseState.TRANSFERRED:
        raise OperationError(
            "state: a case moves to another force with its package (footprint packages transfer)"
        )
    with scoped_unit_of_work(db, actor, "case", case_id) as session:
        case = writable_case(session, actor, case_id)
        happened_on = None if on is None else checked_day(session, case, on, "on")
        before = case.state
        step(session, actor, case, target, note, happened_on)
        audit.record(session, actor, "case.advance", "case", case_id, to=target, was=before)
        return case_view(session, case)


def get_case(db: Database, actor: Actor, case_id: int) -> CaseView:
    with scoped_unit_of_work(db, actor, "case", case_id, reading=True) as session:
        case = held_case(session, actor, case_id)
        audit.record_read(session, actor, "case.read", "case", case_id)
        return case_view(session, case)


CASE_ORDERS = ("case", "opened", "risk", "deadline", "officer", "state")


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """What a case list keeps to; None: any. `open` keeps to cases still under investigation."""

    state: str | None = None
    officer: str | None = None
    force: str | None = None
    band: str | None = None
    open: bool = False

    @classmethod
    def checked(
        cls,
        state: str | None = None,
        officer: str | None = None,
        force: str | None = None,
        band: str | None = None,
        open: bool = False,
    ) -> CaseFilter:
        """From what a person typed or chose: each value from its choices, or refused."""
        return cls(
            chosen(state, CaseState, "state"),
            (officer or "").strip() or None,
            (force or "").strip().upper() or None,
            chosen(band, Band, "band"),
            open,
        )

    def bounds(self) -> dict[str, Any]:
        """The values the chosen filters bind (the statement names the force's code apart)."""
        values = {
            "state": self.state,
            "officer": self.officer,
            "force_code": self.force,
            "band": self.band,
        }
        return {k: v for k, v in values.items() if v is not None}


def list_cases(
    db: Database,
    actor: Actor,
    wanted: CaseFilter | None = None,
    offset: int = 0,
    limit: int | None = None,
    sort: str | None = None,
) -> list[CaseView]:
    """The coordinator sees every case; a force its own. In the chosen order (case number by
    default; see CASE_ORDERS), a page at a time when `limit` is given."""
    wanted = wanted or CaseFilter()
    order = order_from(sort, CASE_ORDERS, "case")
    query = _case_list(actor.is_coordinator, order, _filters_of(wanted))
    bounds = reader_bounds(actor, offset, limit, **wanted.bounds())
    with audit.reading(db) as session:
        # plain rows: loading a page of Case objects cost several times the query
        cases = [summary_of(*row) for row in session.execute(query, bounds)]
        audit.record_read(
            session,
            actor,
            "case.list",
            "case",
            "*",
            count=len(cases),
            offset=offset,
            sort=str(order),
            **{k: v for k, v in dataclasses.asdict(wanted).items() if v},
        )
    return cases


def record_search(
    db: Database, actor: Actor, case_id: int, address: str, searched_on: date
) -> CaseView:
    with scoped_unit_of_work(db, actor, "case", case_id) as session:
        case = writable_case(session, actor, case_id)
        add_search(session, actor, case, address, searched_on)
        return case_view(session, case)


def add_search(session: Session, actor: Actor, case: Case, address: str, searched_on: date) -> None:
    """A property search on the case, in the caller's transaction (the actor may record)."""
    if not address.strip():
        raise OutcomeError("address: a property search needs the address searched")
    checked_day(session, case, searched_on, "searched_on")
    search = PropertySearch(
        case_id=case.id,
        address=address.strip(),
        searched_on=searched_on,
        recorded_by=actor.username,
    )
    add_to_case(session, actor, case, search, "case.search")


def record_charge(
    db: Database,
    actor: Actor,
    case_id: int,
    offence: Offence,
    images: dict[str, int] | None,
    charged_on: date,
) -> CaseView:
    """A charge with its image counts per category; without counts, the devices' scans give them."""
    with scoped_unit_of_work(db, actor, "case", case_id) as session:
        case = writable_case(session, actor, case_id)
        add_charge(session, actor, case, offence, images, charged_on)
        return case_view(session, case)


def add_charge(
    session: Session,
    actor: Actor,
    case: Case,
    offence: Offence,
    images: dict[str, int] | None,
    charged_on: date,
) -> None:
    """A charge on the case, in the caller's transaction (the actor may record)."""
    if not any(e.to_state == CaseState.CHARGED for e in case.events):
        raise OperationError(f"case {case.id}: advance the case to charged first")
    checked_day(session, case, charged_on, "charged_on")
    _refuse_same_charge(session, case.id, offence, charged_on)
    counts = (
        images
        if images is not None
        else charging_summary(
            case_rows(session, SeizedDevice, case.id, "scan_counts", "withdrawn_at")
        )
    )
    for category in CHARGING_CATEGORIES:
        if counts.get(category, 0) < 0:
            raise OutcomeError(f"images_{category.lower()}: cannot be negative")
    charge = Charge(
        case_id=case.id,
        offence=offence,
        images_a=counts.get("A", 0),
        images_b=counts.get("B", 0),
        images_c=counts.get("C", 0),
        charged_on=charged_on,
        recorded_by=actor.username,
    )
    add_to_case(session, actor, case, charge, "case.charge")


def _refuse_same_charge(session: Session, case_id: int, offence: Offence, day: date) -> None:
    same = session.scalar(
        select(Charge.id).where(
            Charge.case_id == case_id,
            Charge.offence == offence,
            Charge.charged_on == day,
            Charge.withdrawn_at.is_(None),
        )
    )
    if same is not None:
        raise Conflict(
            f"charge: {offence} on {day.isoformat()} is already recorded on case {case_id} "
            f"(charge {same}); withdraw it to correct it"
        )


def set_flags(
    db: Database,
    actor: Actor,
    case_id: int,
    *,
    position_of_trust: bool | None = None,
    position_of_trust_detail: str | None = None,
    registered_sex_offender: bool | None = None,
) -> CaseView:
    with scoped_unit_of_work(db, actor, "case", case_id) as session:
        case = writable_case(session, actor, case_id)
        apply_flags(
            session,
            actor,
            case,
            position_of_trust=position_of_trust,
            position_of_trust_detail=position_of_trust_detail,
            registered_sex_offender=registered_sex_offender,
        )
        return case_view(session, case)


def apply_flags(
    session: Session,
    actor: Actor,
    case: Case,
    *,
    position_of_trust: bool | None = None,
    position_of_trust_detail: str | None = None,
    registered_sex_offender: bool | None = None,
) -> None:
    """Set the case's flags in the caller's transaction (the actor may record); None: as is."""
    if position_of_trust is not None:
        case.position_of_trust = position_of_trust
        case.position_of_trust_detail = position_of_trust_detail
    if registered_sex_offender is not None:
        case.registered_sex_offender = registered_sex_offender
    audit.record(
        session,
        actor,
        "case.flags",
        "case",
        case.id,
        position_of_trust=case.position_of_trust,
        registered_sex_offender=case.registered_sex_offender,
    )


def record_children(
    db: Database,
    actor: Actor,
    case_id: int,
    count: int,
    age_band: str,
    relationship: str,
    immediate_risk: bool,
) -> CaseView:
    if count < 1:
        raise OutcomeError("count: at least one child")
    band = choice(AgeBand, age_band, "age_band")
    related = choice(Relationship, relationship, "relationship")
    with scoped_unit_of_work(db, actor, "case", case_id) as session:
        case = writable_case(session, actor, case_id)
        row = ChildSafeguarded(
            case_id=case_id,
            count=count,
            age_band=band,
            relationship_to_subject=related,
            immediate_risk=immediate_risk,
            recorded_at=datetime.now(UTC),
            recorded_by=actor.username,
        )
        return recorded(session, actor, case, row, "case.children")


def record_safeguarding_action(
    db: Database,
    actor: Actor,
    case_id: int,
    kind: str,
    action_on: date,
    owner: str,
    note: str | None = None,
) -> CaseView:
    action_kind = choice(SafeguardingKind, kind, "kind")
    if not owner.strip():
        raise OutcomeError("owner: a safeguarding action needs an owner")
    with scoped_unit_of_work(db, actor, "case", case_id) as session:
        case = writable_case(session, actor, case_id)
        action = SafeguardingAction(
            case_id=case_id,
            kind=action_kind,
            action_on=action_on,
            owner=owner.strip(),
            note=note,
            recorded_by=actor.username,
        )
        return recorded(session, actor, case, action, "case.safeguard")


def _filters_of(wanted: CaseFilter) -> frozenset[str]:
    return frozenset(k for k, v in dataclasses.asdict(wanted).items() if v)


@cache
def _case_list(coordinator: bool, order: Order, filters: frozenset[str]) -> Select[Any]:
    """Built once for each kind of reader, order and set of filters."""
    query = (
        select(*SUMMARY_COLUMNS)
        .join(Organisation, Organisation.id == Case.force_id)
        .where(*held_by(Case.force_id, coordinator))
    )
    where = {
        "state": Case.state == bindparam("state"),
        "officer": Case.officer == bindparam("officer"),
        "force": Organisation.code == bindparam("force_code"),
        "band": Case.risk_band == bindparam("band"),
        "open": Case.state.in_(sorted(OPEN_STATES)),
    }
    query = query.where(*(where[name] for name in sorted(filters)))
    columns = {
        "case": Case.id,
        "opened": Case.opened_at,
        "risk": band_rank(Case.risk_band),  # the package's, kept on the case: no join
        "deadline": Case.deadline,
        "officer": Case.officer,
        "state": Case.state,
    }
    return paged(query.order_by(*ordered_by(order, columns, Case.id)))

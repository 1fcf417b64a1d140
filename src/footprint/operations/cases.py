"""Cases: a force's investigation of a subject, from the acknowledged package to the outcome.

A case opens when the holding force acknowledges its package. Its state moves only through the
workflow of case_workflow.py; bail and transfer have their own calls because they need more
than a state (conditions and an authoriser; a receiving force and a reason). Every read and
write is audited; another force's case reads as "not found" and the attempt is audited.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, selectinload

from footprint.clock import service_day
from footprint.hashsets.model import CHARGING_CATEGORIES, SEVERITY
from footprint.operations.case_workflow import CaseState, advance, allowed_next
from footprint.operations.outcomes import (
    BAIL_AUTHORITY,
    BAIL_REVIEW_DAYS,
    AgeBand,
    BailStage,
    Offence,
    OutcomeError,
    Relationship,
    SafeguardingKind,
    bail_condition,
    bail_expiry,
    choice,
    days_left,
    next_stage,
    review_due_by,
    stage_after,
)
from footprint.operations.scoping import (
    held_by,
    held_record,
    page,
    paged,
    require_visible,
    scoped_unit_of_work,
)
from footprint.operations.service import OperationError
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.permissions import Action, require
from footprint.store import Database
from footprint.store.database import aware_utc
from footprint.store.models import (
    Bail,
    BailExtension,
    Case,
    CaseEvent,
    Charge,
    ChildSafeguarded,
    IntelPackage,
    Organisation,
    PropertySearch,
    SafeguardingAction,
    SeizedDevice,
    Subject,
)
from footprint.triage.outputs import SUMMARY, ScanOutputs


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
    history: list[dict[str, Any]] = field(default_factory=list)
    searches: list[dict[str, Any]] = field(default_factory=list)
    devices: list[dict[str, Any]] = field(default_factory=list)
    charging_summary: dict[str, int] = field(default_factory=dict)
    charges: list[dict[str, Any]] = field(default_factory=list)
    bail: list[dict[str, Any]] = field(default_factory=list)
    children: list[dict[str, Any]] = field(default_factory=list)
    safeguarding_actions: list[dict[str, Any]] = field(default_factory=list)


def open_case(session: Session, actor: Actor, package: IntelPackage) -> Case:
    """Called in the acknowledging transaction: the force now holds the investigation."""
    subject = session.get_one(Subject, package.subject_id)
    case = Case(
        package_id=package.id,
        subject_id=package.subject_id,
        operation_id=subject.operation_id,
        force_id=package.force_id,
        state=CaseState.RECEIVED,
        opened_at=datetime.now(UTC),
        opened_by=actor.username,
        position_of_trust=False,
        registered_sex_offender=False,
    )
    session.add(case)
    session.flush()
    _event(session, actor, case, None, CaseState.RECEIVED, f"package {package.id} acknowledged")
    audit.record(session, actor, "case.open", "case", case.id, package=package.id)
    return case


def close_for_transfer(session: Session, actor: Actor, package_id: int, to_force: str) -> None:
    """The package moved to another force: the open case here ends as transferred."""
    for case in session.scalars(select(Case).where(Case.package_id == package_id)):
        state = CaseState(case.state)
        if CaseState.TRANSFERRED in allowed_next(state):
            _event(session, actor, case, state, CaseState.TRANSFERRED, f"to {to_force}")
            case.state = CaseState.TRANSFERRED
            audit.record(session, actor, "case.transfer", "case", case.id, to_force=to_force)


def _event(
    session: Session,
    actor: Actor,
    case: Case,
    from_state: CaseState | None,
    to_state: CaseState,
    note: str | None,
) -> None:
    session.add(
        CaseEvent(
            case_id=case.id,
            from_state=from_state,
            to_state=to_state,
            at=datetime.now(UTC),
            by=actor.username,
            note=note,
        )
    )


def _recorded(session: Session, actor: Actor, case: Case, row: Any, action: str) -> CaseView:
    """Add one outcome row to the case, audit it, and show the case as it now stands."""
    session.add(row)
    session.flush()
    audit.record(session, actor, action, "case", case.id, entry=row.id)
    return _view(session, case)


def held_case(session: Session, actor: Actor, case_id: int) -> Case:
    return held_record(session, actor, Case, case_id, "case")


def _writable(
    session: Session, actor: Actor, case_id: int, action: Action = Action.CASE_RECORD
) -> Case:
    case = held_case(session, actor, case_id)  # visibility first: another force's is missing
    require(actor, action, f"case {case_id}")
    return case


def _step(session: Session, actor: Actor, case: Case, wanted: CaseState, note: str | None) -> None:
    current = CaseState(case.state)
    case.state = advance(current, wanted)
    _event(session, actor, case, current, wanted, note)
    if current is CaseState.ON_BAIL:
        _end_bail(session, case)


def advance_case(
    db: Database, actor: Actor, case_id: int, wanted: str, note: str | None = None
) -> CaseView:
    """Move a case one step; an invalid step is refused with the steps allowed from here."""
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
        case = _writable(session, actor, case_id)
        before = case.state
        _step(session, actor, case, target, note)
        audit.record(session, actor, "case.advance", "case", case_id, to=target, was=before)
        return _view(session, case)


def get_case(db: Database, actor: Actor, case_id: int) -> CaseView:
    with scoped_unit_of_work(db, actor, "case", case_id, reading=True) as session:
        case = held_case(session, actor, case_id)
        audit.record_read(session, actor, "case.read", "case", case_id)
        return _view(session, case)


def list_cases(
    db: Database,
    actor: Actor,
    state: str | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[CaseView]:
    """The coordinator sees every case; a force its own. In case order, a page at a time when
    `limit` is given."""
    query = _CASE_LIST[actor.is_coordinator, bool(state)]
    bounds = {"force": actor.organisation, "state": state, **page(offset, limit)}
    with audit.reading(db) as session:
        # plain rows: loading a page of Case objects cost several times the query
        cases = [_summary_of(*row) for row in session.execute(query, bounds)]
        audit.record_read(
            session, actor, "case.list", "case", "*", count=len(cases), offset=offset, state=state
        )
    return cases


def record_search(
    db: Database, actor: Actor, case_id: int, address: str, searched_on: date
) -> CaseView:
    if not address.strip():
        raise OutcomeError("address: a property search needs the address searched")
    with scoped_unit_of_work(db, actor, "case", case_id) as session:
        case = _writable(session, actor, case_id)
        search = PropertySearch(
            case_id=case_id,
            address=address.strip(),
            searched_on=searched_on,
            recorded_by=actor.username,
        )
        return _recorded(session, actor, case, search, "case.search")


def record_device(
    db: Database, actor: Actor, case_id: int, exhibit_ref: str, description: str, seized_on: date
) -> CaseView:
    if not exhibit_ref.strip():
        raise OutcomeError("exhibit_ref: a seized device needs its exhibit reference")
    with scoped_unit_of_work(db, actor, "case", case_id) as session:
        case = _writable(session, actor, case_id, Action.DEVICE_RECORD)
        duplicate = session.scalar(
            select(SeizedDevice).where(
                SeizedDevice.case_id == case_id, SeizedDevice.exhibit_ref == exhibit_ref.strip()
            )
        )
        if duplicate is not None:
            raise OutcomeError(f"exhibit_ref {exhibit_ref!r}: already recorded on case {case_id}")
        device = SeizedDevice(
            case_id=case_id,
            exhibit_ref=exhibit_ref.strip(),
            description=description.strip(),
            seized_on=seized_on,
            recorded_by=actor.username,
        )
        return _recorded(session, actor, case, device, "case.device")


def read_scan_counts(scan_dir: Path) -> tuple[dict[str, int], str]:
    """Matched files per category from a finished triage scan, with the summary's SHA-256."""
    outputs = ScanOutputs(scan_dir)
    if not outputs.summary.is_file() or not outputs.manifest.is_file():
        raise OutcomeError(f"scan_dir {scan_dir}: not a footprint scan output (no {SUMMARY})")
    if not outputs.complete():
        raise OutcomeError(f"scan_dir {scan_dir}: the scan has not finished; resume it first")
    raw = outputs.summary.read_bytes()
    by_category = json.loads(raw)["matched_files_by_category"]
    counts = {str(category): int(by_category.get(category, 0)) for category in SEVERITY}
    return counts, hashlib.sha256(raw).hexdigest()


def link_device_scan(db: Database, actor: Actor, device_id: int, scan_dir: Path) -> CaseView:
    """Attach a triage scan to a seized device; its counts feed the case's charging summary."""
    counts, digest = read_scan_counts(scan_dir)
    with scoped_unit_of_work(db, actor, "device", device_id) as session:
        device = session.get(SeizedDevice, device_id)
        if device is None:
            raise LookupError(f"device {device_id}: not found")
        case_id = device.case_id
        case = session.get_one(Case, case_id)
        require_visible(actor, case.force.code, f"device {device_id}")  # names no case
        require(actor, Action.DEVICE_RECORD, f"case {case_id}")
        device.scan_dir, device.scan_counts, device.scan_summary_sha256 = (
            str(scan_dir.resolve()),
            counts,
            digest,
        )
        audit.record(
            session, actor, "case.device-scan", "case", case_id, device=device_id, summary=digest
        )
        return _view(session, case)


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
        case = _writable(session, actor, case_id)
        if not any(e.to_state == CaseState.CHARGED for e in case.events):
            raise OperationError(f"case {case_id}: advance the case to charged first")
        counts = (
            images
            if images is not None
            else _charging_summary(_rows(session, SeizedDevice, case_id, "scan_counts"))
        )
        for category in CHARGING_CATEGORIES:
            if counts.get(category, 0) < 0:
                raise OutcomeError(f"images_{category.lower()}: cannot be negative")
        charge = Charge(
            case_id=case_id,
            offence=offence,
            images_a=counts.get("A", 0),
            images_b=counts.get("B", 0),
            images_c=counts.get("C", 0),
            charged_on=charged_on,
            recorded_by=actor.username,
        )
        return _recorded(session, actor, case, charge, "case.charge")


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
        case = _writable(session, actor, case_id)
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
            case_id,
            position_of_trust=case.position_of_trust,
            registered_sex_offender=case.registered_sex_offender,
        )
        return _view(session, case)


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
        case = _writable(session, actor, case_id)
        _step(session, actor, case, CaseState.ON_BAIL, f"bail from {started_on}")
        bail = Bail(
            case_id=case_id,
            force_id=case.force_id,
            started_on=started_on,
            expires_on=bail_expiry(started_on, BailStage.INITIAL),
            conditions=conditions,
            authorised_by=authorised_by.strip(),
            active=True,
        )
        return _recorded(session, actor, case, bail, "case.bail")


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
        case = _writable(session, actor, case_id)
        bail = _active_bail(session, case_id)
        stage = next_stage(_stage(bail))
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
        return _view(session, case)


def _stage(bail: Bail) -> BailStage:
    return stage_after(bail.extensions[-1].stage if bail.extensions else None)


def _active_bail(session: Session, case_id: int) -> Bail:
    bail = session.scalar(select(Bail).where(Bail.case_id == case_id, Bail.active.is_(True)))
    if bail is None:
        raise OperationError(f"case {case_id}: not on bail")
    return bail


def _end_bail(session: Session, case: Case) -> None:
    for bail in session.scalars(select(Bail).where(Bail.case_id == case.id, Bail.active.is_(True))):
        bail.active, bail.ended_on = False, service_day()


@dataclass(frozen=True, slots=True)
class BailDue:
    case_id: int
    force: str
    expires_on: date
    days_left: int
    stage: BailStage
    next_authority: str


def _bail_due_query(coordinator: bool) -> Select[*tuple[Any, ...]]:
    latest_extension = (
        select(BailExtension.stage)
        .where(BailExtension.bail_id == Bail.id)
        .order_by(BailExtension.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return paged(  # plain rows: a page of Bail objects with their extensions cost more
        select(Bail.case_id, Organisation.code, Bail.expires_on, latest_extension)
        .join(Organisation, Organisation.id == Bail.force_id)
        .where(Bail.active.is_(True), Bail.expires_on <= bindparam("last_day"))
        .where(*held_by(Bail.force_id, coordinator))
        .order_by(Bail.expires_on, Bail.case_id)
    )


# built once for the coordinator and once for a force: dashboards and the API ask all the time
_BAIL_DUE = {coordinator: _bail_due_query(coordinator) for coordinator in (True, False)}


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
    bounds = {"last_day": last_day, "force": actor.organisation, **page(offset, limit)}
    with audit.reading(db) as session:
        due = []
        for case_id, force, expires_on, extended_to in session.execute(
            _BAIL_DUE[actor.is_coordinator], bounds
        ):
            stage = stage_after(extended_to)
            authority = BAIL_AUTHORITY[next_stage(stage)]
            left = days_left(expires_on, today)
            due.append(BailDue(case_id, force, expires_on, left, stage, authority))
        audit.record_read(session, actor, "case.bail-due", "case", "*", count=len(due))
    return due


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
        case = _writable(session, actor, case_id)
        row = ChildSafeguarded(
            case_id=case_id,
            count=count,
            age_band=band,
            relationship_to_subject=related,
            immediate_risk=immediate_risk,
            recorded_at=datetime.now(UTC),
            recorded_by=actor.username,
        )
        return _recorded(session, actor, case, row, "case.children")


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
        case = _writable(session, actor, case_id)
        action = SafeguardingAction(
            case_id=case_id,
            kind=action_kind,
            action_on=action_on,
            owner=owner.strip(),
            note=note,
            recorded_by=actor.username,
        )
        return _recorded(session, actor, case, action, "case.safeguard")


def _charging_summary(devices: list[dict[str, Any]]) -> dict[str, int]:
    """Images per category over the case's devices' triage scans."""
    totals = dict.fromkeys(map(str, CHARGING_CATEGORIES), 0)
    for device in devices:
        for category in totals:
            totals[category] += (device["scan_counts"] or {}).get(category, 0)
    return totals


def _summary(case: Case) -> CaseView:
    return _summary_of(
        case.id,
        case.package_id,
        case.subject_id,
        case.force.code,
        case.state,
        case.position_of_trust,
        case.registered_sex_offender,
    )


_SUMMARY_COLUMNS = (
    Case.id,
    Case.package_id,
    Case.subject_id,
    Organisation.code,
    Case.state,
    Case.position_of_trust,
    Case.registered_sex_offender,
)


def _case_list_query(coordinator: bool, in_state: bool) -> Select[*tuple[Any, ...]]:
    query = select(*_SUMMARY_COLUMNS).join(Organisation, Organisation.id == Case.force_id)
    query = query.where(*held_by(Case.force_id, coordinator))
    if in_state:
        query = query.where(Case.state == bindparam("state"))
    return paged(query.order_by(Case.id))


# built once for each kind of reader, with and without a state to keep to
_CASE_LIST = {
    (coordinator, in_state): _case_list_query(coordinator, in_state)
    for coordinator in (True, False)
    for in_state in (True, False)
}


def _summary_of(
    case_id: int,
    package_id: int,
    subject_id: int,
    force: str,
    state: str,
    position_of_trust: bool,
    registered_sex_offender: bool,
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
    )


def _rows(session: Session, model: Any, case_id: int, *columns: str) -> list[dict[str, Any]]:
    rows = session.scalars(select(model).where(model.case_id == case_id).order_by(model.id))
    return [{"id": row.id} | {c: getattr(row, c) for c in columns} for row in rows]


def _view(session: Session, case: Case) -> CaseView:
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
    devices = _rows(
        session,
        SeizedDevice,
        case.id,
        "exhibit_ref",
        "description",
        "seized_on",
        "scan_dir",
        "scan_counts",
    )
    return replace(
        _summary(case),
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
        searches=_rows(session, PropertySearch, case.id, "address", "searched_on"),
        devices=devices,
        charging_summary=_charging_summary(devices),
        charges=_rows(
            session, Charge, case.id, "offence", "images_a", "images_b", "images_c", "charged_on"
        ),
        bail=[
            {
                "started_on": b.started_on,
                "expires_on": b.expires_on,
                "stage": _stage(b),
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
        children=_rows(
            session,
            ChildSafeguarded,
            case.id,
            "count",
            "age_band",
            "relationship_to_subject",
            "immediate_risk",
        ),
        safeguarding_actions=_rows(
            session, SafeguardingAction, case.id, "kind", "action_on", "owner", "note"
        ),
    )

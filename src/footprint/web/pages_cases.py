"""A case's pages: the list of cases, one case with its forms (workflow, searches, charges,
children safeguarded, safeguarding actions, bail and flags). Each form records through the
case services and comes back to the case; a refusal shows the case again with the reason."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date
from functools import partial
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from markupsafe import Markup

from footprint.clock import service_day
from footprint.geo.forces import police_forces
from footprint.operations import cases
from footprint.operations.bail import extend_bail, start_bail
from footprint.operations.case_file import case_file, case_file_html
from footprint.operations.case_view import CaseView
from footprint.operations.case_workflow import CaseState
from footprint.operations.listing import order_from
from footprint.operations.officers import assign_officer, people_of_force
from footprint.operations.outcomes import (
    USUAL_BAIL_CONDITIONS,
    AgeBand,
    Offence,
    Relationship,
    SafeguardingKind,
)
from footprint.operations.risk import ORDER
from footprint.operations.tasks import add_task
from footprint.operations.withdrawals import withdraw_entry
from footprint.security.actor import Actor
from footprint.security.permissions import Action, allows
from footprint.store import Database
from footprint.web.callers import Caller, database
from footprint.web.list_queries import CaseQuery, Sort
from footprint.web.pages import (
    PAGE,
    Csrf,
    Offset,
    PageCaller,
    RecordId,
    keep_typed,
    record_form,
)
from footprint.web.rendering import render

# a refused form comes back filled in as it was sent (pages.keep_typed)
router = APIRouter(include_in_schema=False, dependencies=[Depends(keep_typed)])


@router.get("/cases")
def case_list(
    request: Request,
    caller: PageCaller,
    wanted: CaseQuery,
    offset: Offset = 0,
    sort: Sort = None,
    mine: Annotated[bool, Query()] = False,
) -> Response:
    """Cases in the order chosen, kept to the filters chosen; `mine`: the reader's open cases."""
    if mine:
        wanted = replace(wanted, officer=caller.actor.username, open=True)
    order = order_from(sort, cases.CASE_ORDERS, "case")
    listed = cases.list_cases(database(request), caller.actor, wanted, offset, PAGE + 1, sort)
    query = {k: v for k, v in asdict(wanted).items() if v}
    return render(
        request,
        "cases.html",
        caller,
        cases=listed[:PAGE],
        wanted=wanted,
        mine=mine,
        order=order,
        filters=urlencode(query),
        query=urlencode(query | {"sort": str(order)}),
        states=list(CaseState),
        bands=[b.value for b in ORDER],
        forces=police_forces() if caller.actor.is_coordinator else [],
        offset=offset,
        page=PAGE,
        more=len(listed) > PAGE,
    )


def render_case(
    request: Request, caller: Caller, case_id: int, error: str | None = None, status: int = 200
) -> Response:
    db = database(request)
    view = cases.get_case(db, caller.actor, case_id)
    can_write = allows(caller.actor, Action.CASE_RECORD)
    may_assign = allows(caller.actor, Action.CASE_ASSIGN)
    return render(
        request,
        "case.html",
        caller,
        status=status,
        case=view,
        error=error,
        can_write=can_write,
        may_assign=may_assign,
        people=people_of_force(db, caller.actor, view.force) if can_write or may_assign else [],
        can_record_devices=allows(caller.actor, Action.DEVICE_RECORD),
        age_bands=list(AgeBand),
        relationships=list(Relationship),
        safeguarding_kinds=list(SafeguardingKind),
        offences=list(Offence),
        bail_conditions=USUAL_BAIL_CONDITIONS,
        today=service_day(),
    )


@router.get("/cases/{case_id}")
def case_page(request: Request, caller: PageCaller, case_id: RecordId) -> Response:
    return render_case(request, caller, case_id)


@router.get("/cases/{case_id}/file")
def case_file_page(request: Request, caller: PageCaller, case_id: RecordId) -> Response:
    """The file for the prosecutor, to read or print (the print leaves out the navigation)."""
    prepared = case_file(database(request), caller.actor, case_id)
    body = Markup(case_file_html(prepared, standalone=False))  # escaped as it was rendered
    return render(request, "case_file.html", caller, file=prepared, body=body)


case_change = record_form(render_case, "/cases/{id}")  # (request, caller, case_id, csrf, ...)


@router.post("/cases/{case_id}/advance")
def advance(
    request: Request,
    caller: PageCaller,
    case_id: RecordId,
    state: Annotated[str, Form(max_length=40)],
    note: Annotated[str | None, Form(max_length=2000)] = None,
    on: Annotated[str, Form(max_length=10)] = "",  # a form sends "" when left empty
    csrf: Csrf = None,
) -> Response:
    def step(db: Database, actor: Actor, case: int) -> CaseView:
        day = _optional_date(on, "on")  # refused on the case page
        return cases.advance_case(db, actor, case, state, note or None, day)

    return case_change(request, caller, case_id, csrf, step)


@router.post("/cases/{case_id}/officer")
def officer(
    request: Request,
    caller: PageCaller,
    case_id: RecordId,
    officer: Annotated[str, Form(max_length=80)],
    reason: Annotated[str, Form(max_length=400)] = "",
    csrf: Csrf = None,
) -> Response:
    return case_change(request, caller, case_id, csrf, assign_officer, officer, reason)


@router.post("/cases/{case_id}/tasks")
def task(
    request: Request,
    caller: PageCaller,
    case_id: RecordId,
    title: Annotated[str, Form(max_length=200)],
    owner: Annotated[str, Form(max_length=80)],
    due_on: Annotated[date, Form()],
    csrf: Csrf = None,
) -> Response:
    return case_change(request, caller, case_id, csrf, add_task, title, owner, due_on)


@router.post("/cases/{case_id}/withdrawals")
def withdrawal(
    request: Request,
    caller: PageCaller,
    case_id: RecordId,
    kind: Annotated[str, Form(max_length=16)],
    entry: Annotated[int, Form(ge=1, le=2**31 - 1)],
    reason: Annotated[str, Form(max_length=400)] = "",
    csrf: Csrf = None,
) -> Response:
    return case_change(request, caller, case_id, csrf, withdraw_entry, kind, entry, reason)


@router.post("/cases/{case_id}/searches")
def search(
    request: Request,
    caller: PageCaller,
    case_id: RecordId,
    address: Annotated[str, Form(max_length=400)],
    searched_on: Annotated[date, Form()],
    csrf: Csrf = None,
) -> Response:
    return case_change(request, caller, case_id, csrf, cases.record_search, address, searched_on)


@router.post("/cases/{case_id}/charges")
def charge(
    request: Request,
    caller: PageCaller,
    case_id: RecordId,
    offence: Annotated[Offence, Form()],
    charged_on: Annotated[date, Form()],
    csrf: Csrf = None,
) -> Response:
    return case_change(
        request, caller, case_id, csrf, cases.record_charge, offence, None, charged_on
    )


@router.post("/cases/{case_id}/children")
def children(
    request: Request,
    caller: PageCaller,
    case_id: RecordId,
    count: Annotated[int, Form(ge=1, le=100)],
    age_band: Annotated[str, Form(max_length=20)],
    relationship: Annotated[str, Form(max_length=40)],
    immediate_risk: Annotated[bool, Form()] = False,
    csrf: Csrf = None,
) -> Response:
    return case_change(
        request,
        caller,
        case_id,
        csrf,
        cases.record_children,
        count,
        age_band,
        relationship,
        immediate_risk,
    )


@router.post("/cases/{case_id}/safeguarding-actions")
def safeguarding_action(
    request: Request,
    caller: PageCaller,
    case_id: RecordId,
    kind: Annotated[str, Form(max_length=40)],
    action_on: Annotated[date, Form()],
    owner: Annotated[str, Form(max_length=120)],
    note: Annotated[str | None, Form(max_length=2000)] = None,
    csrf: Csrf = None,
) -> Response:
    return case_change(
        request,
        caller,
        case_id,
        csrf,
        cases.record_safeguarding_action,
        kind,
        action_on,
        owner,
        note or None,
    )


@router.post("/cases/{case_id}/bail")
def bail(
    request: Request,
    caller: PageCaller,
    case_id: RecordId,
    started_on: Annotated[date, Form()],
    authorised_by: Annotated[str, Form(max_length=120)],
    conditions: Annotated[list[str], Form(max_length=20)] = [],  # noqa: B006 (FastAPI copies)
    other_condition: Annotated[str | None, Form(max_length=400)] = None,
    csrf: Csrf = None,
) -> Response:
    chosen = [*conditions, *([other_condition] if other_condition else [])]
    return case_change(
        request, caller, case_id, csrf, start_bail, started_on, chosen, authorised_by
    )


@router.post("/cases/{case_id}/bail/extend")
def extend_bail_form(
    request: Request,
    caller: PageCaller,
    case_id: RecordId,
    authorised_by: Annotated[str, Form(max_length=120)],
    court_until: Annotated[str, Form(max_length=10)] = "",  # a form sends "" when left empty
    csrf: Csrf = None,
) -> Response:
    def extend(db: Database, actor: Actor, case: int) -> CaseView:
        court_set = _optional_date(court_until, "court_until")  # refused on the case page
        return extend_bail(db, actor, case, authorised_by, court_set)

    return case_change(request, caller, case_id, csrf, extend)


def _optional_date(text: str, field: str) -> date | None:
    try:
        return date.fromisoformat(text) if text.strip() else None
    except ValueError:
        raise ValueError(f"{field}: {text!r} is not a date (YYYY-MM-DD)") from None


@router.post("/cases/{case_id}/flags")
def flags(
    request: Request,
    caller: PageCaller,
    case_id: RecordId,
    position_of_trust: Annotated[bool, Form()] = False,
    position_of_trust_detail: Annotated[str | None, Form(max_length=400)] = None,
    registered_sex_offender: Annotated[bool, Form()] = False,
    csrf: Csrf = None,
) -> Response:
    return case_change(
        request,
        caller,
        case_id,
        csrf,
        partial(
            cases.set_flags,
            position_of_trust=position_of_trust,
            position_of_trust_detail=position_of_trust_detail or None,
            registered_sex_offender=registered_sex_offender,
        ),
    )

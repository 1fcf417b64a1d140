"""A case's pages: the list of cases, one case with its forms (workflow, searches, charges,
children safeguarded, safeguarding actions, bail and flags). Each form records through the
case services and comes back to the case; a refusal shows the case again with the reason."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from markupsafe import Markup

from footprint.clock import service_day
from footprint.operations import cases
from footprint.operations.bail import extend_bail, start_bail
from footprint.operations.case_file import case_file, case_file_html
from footprint.operations.case_view import CaseView
from footprint.operations.outcomes import (
    USUAL_BAIL_CONDITIONS,
    AgeBand,
    Offence,
    Relationship,
    SafeguardingKind,
)
from footprint.operations.withdrawals import withdraw_entry
from footprint.security.actor import Actor
from footprint.security.permissions import Action, allows
from footprint.store import Database
from footprint.web.callers import Caller, database
from footprint.web.pages import PAGE, Csrf, Offset, PageCaller, RecordId, record_form
from footprint.web.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/cases")
def case_list(
    request: Request,
    caller: PageCaller,
    state: Annotated[str | None, Query(max_length=40)] = None,
    offset: Offset = 0,
) -> Response:
    listed = cases.list_cases(database(request), caller.actor, state or None, offset, PAGE + 1)
    return render(
        request,
        "cases.html",
        caller,
        cases=listed[:PAGE],
        state=state or "",
        offset=offset,
        page=PAGE,
        more=len(listed) > PAGE,
    )


def render_case(
    request: Request, caller: Caller, case_id: int, error: str | None = None, status: int = 200
) -> Response:
    view = cases.get_case(database(request), caller.actor, case_id)
    return render(
        request,
        "case.html",
        caller,
        status=status,
        case=view,
        error=error,
        can_write=allows(caller.actor, Action.CASE_RECORD),
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

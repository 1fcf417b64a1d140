"""The JSON API under /api/v1: the same services as the CLI and the pages, for machine clients.

Every route names its caller (identify), and every record goes through a service that scopes it
to the caller's force and audits the read or write; another force's record reads as 404.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from pydantic import BaseModel, Field

from footprint.clock import service_day
from footprint.operations import cases, packages
from footprint.operations.bail import BailDue, bail_expiring, extend_bail, start_bail
from footprint.operations.case_file import CaseFile, case_file
from footprint.operations.case_view import CaseView
from footprint.operations.figures import MEASURES, compute_figures
from footprint.operations.outcomes import BAIL_REVIEW_DAYS, USUAL_BAIL_CONDITIONS, Offence
from footprint.operations.package_list import PackageRow, list_packages
from footprint.operations.packages import PackageView
from footprint.operations.service import list_operations
from footprint.operations.withdrawals import Entry, withdraw_entry
from footprint.web.answers import SerialisedRoute
from footprint.web.callers import CSRF_HEADER, Caller, database, identify, require_csrf
from footprint.web.list_queries import CaseQuery, PackageQuery, Sort


class ErrorOut(BaseModel):
    detail: str = Field(description="what was refused and why; bad input names the field")


# every route may answer with these (declared so that clients, and schemathesis, know the shape)
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "no live API token or session"},
    403: {"model": ErrorOut, "description": "the caller's role may not; or a CSRF token missing"},
    404: {"model": ErrorOut, "description": "no such record, or another force's"},
    409: {"model": ErrorOut, "description": "a case step not allowed from its current state"},
    413: {"model": ErrorOut, "description": "a JSON body over 1 MiB"},
    422: {"model": ErrorOut, "description": "bad input; the message names the field"},
}
router = APIRouter(prefix="/api/v1", tags=["api"], responses=ERRORS, route_class=SerialisedRoute)
FIGURES_AGE = timedelta(minutes=1)  # counts over every case: recounted at most once a minute

CallerDep = Annotated[Caller, Depends(identify)]
CsrfHeader = Annotated[str | None, Header(alias=CSRF_HEADER, include_in_schema=False)]
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # beyond an integer column: 422
Offset = Annotated[int, Query(ge=0, le=2**31 - 1, description="records to skip")]
Limit = Annotated[int, Query(ge=1, le=1000, description="records in this page")]


class Me(BaseModel):
    username: str
    organisation: str
    roles: list[str]


class OperationOut(BaseModel):
    id: int
    name: str
    starts_on: date
    ends_on: date | None
    status: str
    forces: list[str]


class Advance(BaseModel):
    state: str = Field(min_length=1, max_length=40, description="the case state to move to")
    note: str | None = Field(default=None, max_length=2000)
    on: date | None = Field(default=None, description="the day it happened, if not today")


class Children(BaseModel):
    count: int = Field(ge=1, le=100)
    age_band: str = Field(max_length=20)
    relationship: str = Field(max_length=40)
    immediate_risk: bool


class SafeguardingActionIn(BaseModel):
    kind: str = Field(max_length=40)
    action_on: date
    owner: str = Field(min_length=1, max_length=120)
    note: str | None = Field(default=None, max_length=2000)


class SearchIn(BaseModel):
    address: str = Field(min_length=1, max_length=400)
    searched_on: date


class WithdrawalIn(BaseModel):
    kind: Entry = Field(description="what is withdrawn: a search, device or charge")
    entry: int = Field(ge=1, le=2**31 - 1, description="its id, as the case lists it")
    reason: str = Field(min_length=1, max_length=400)


class ChargeIn(BaseModel):
    offence: Offence
    charged_on: date
    images: dict[str, Annotated[int, Field(ge=0, le=10_000_000)]] | None = Field(
        default=None, description="counts per category (A, B, C); omit to use the devices' scans"
    )


class FiguresOut(BaseModel):
    operation: str
    as_of: date
    measures: list[str]
    forces: dict[str, str]
    counts: dict[str, dict[str, int]]


@router.get("/me", response_model=Me)
def me(caller: CallerDep) -> Me:
    actor = caller.actor
    return Me(
        username=actor.username,
        organisation=actor.organisation,
        roles=sorted(r.value for r in actor.roles),
    )


@router.get("/operations", response_model=list[OperationOut])
def operations(request: Request, caller: CallerDep) -> list[OperationOut]:
    with database(request).unit_of_work() as session:
        return [
            OperationOut(
                id=o.id,
                name=o.name,
                starts_on=o.starts_on,
                ends_on=o.ends_on,
                status=o.status,
                forces=list(o.forces),
            )
            for o in list_operations(session, caller.actor)
        ]


@router.get("/operations/{name}/figures", response_model=FiguresOut)
def figures(
    request: Request,
    caller: CallerDep,
    name: Annotated[str, Path(max_length=200)],
    as_of: date | None = None,
) -> FiguresOut:
    """Raw counts per force (the coordinator sees every force, a force its own row), at most a
    minute old; releases with disclosure control: /operations/{name}/releases."""
    result = compute_figures(
        database(request), caller.actor, name, as_of or service_day(), FIGURES_AGE
    )
    return FiguresOut(
        operation=result.operation,
        as_of=result.as_of,
        measures=list(MEASURES),
        forces=result.forces,
        counts=result.counts,
    )


@router.get("/packages", response_model=list[PackageRow])
def package_list(
    request: Request,
    caller: CallerDep,
    wanted: PackageQuery,
    offset: Offset = 0,
    limit: Limit = 100,
    sort: Sort = None,
) -> list[PackageRow]:
    """Packages the caller may see, a page at a time, each with its case and whether its
    deadline passed unmet; soonest deadline first, or by risk, issued, package or status (a
    leading - reverses). The snapshot comes with one package (GET /packages/{id})."""
    return list_packages(database(request), caller.actor, wanted, offset, limit, sort)


@router.get("/packages/{package_id}", response_model=PackageView)
def package(request: Request, caller: CallerDep, package_id: RecordId) -> PackageView:
    return packages.get_package(database(request), caller.actor, package_id)


@router.post("/packages/{package_id}/acknowledge", response_model=PackageView)
def acknowledge(
    request: Request, caller: CallerDep, package_id: RecordId, csrf: CsrfHeader = None
) -> PackageView:
    require_csrf(request, caller, csrf)
    return packages.acknowledge_package(database(request), caller.actor, package_id)


@router.get("/cases", response_model=list[CaseView])
def case_list(
    request: Request,
    caller: CallerDep,
    wanted: CaseQuery,
    offset: Offset = 0,
    limit: Limit = 100,
    sort: Sort = None,
) -> list[CaseView]:
    """Cases the caller may see, a page at a time (without their history), kept to the filters
    given and in the order asked for: case (the default), opened, risk, deadline, officer or
    state; a leading - reverses it."""
    return cases.list_cases(database(request), caller.actor, wanted, offset, limit, sort)


@router.get("/cases/{case_id}", response_model=CaseView)
def case(request: Request, caller: CallerDep, case_id: RecordId) -> CaseView:
    return cases.get_case(database(request), caller.actor, case_id)


@router.get("/cases/{case_id}/file", response_model=CaseFile)
def case_file_for_prosecutor(request: Request, caller: CallerDep, case_id: RecordId) -> CaseFile:
    """The file for the prosecutor: offences with statutes and image counts, exhibits with their
    continuity, bail, safeguarding, withdrawals, history and the audit trail's verification.
    Never imagery. Prepared by the force's caseworkers; audited."""
    return case_file(database(request), caller.actor, case_id)


@router.post("/cases/{case_id}/advance", response_model=CaseView)
def advance(
    request: Request, caller: CallerDep, case_id: RecordId, body: Advance, csrf: CsrfHeader = None
) -> CaseView:
    require_csrf(request, caller, csrf)
    return cases.advance_case(
        database(request), caller.actor, case_id, body.state, body.note, body.on
    )


@router.post("/cases/{case_id}/withdrawals", response_model=CaseView)
def withdrawal(
    request: Request,
    caller: CallerDep,
    case_id: RecordId,
    body: WithdrawalIn,
    csrf: CsrfHeader = None,
) -> CaseView:
    """Withdraw a search, device or charge recorded in error, with a reason: it stays on the
    case, marked withdrawn, and leaves the counts (audited). A correction is a withdrawal and
    the right record made anew."""
    require_csrf(request, caller, csrf)
    return withdraw_entry(
        database(request), caller.actor, case_id, body.kind, body.entry, body.reason
    )


@router.post("/cases/{case_id}/searches", response_model=CaseView)
def search(
    request: Request, caller: CallerDep, case_id: RecordId, body: SearchIn, csrf: CsrfHeader = None
) -> CaseView:
    require_csrf(request, caller, csrf)
    return cases.record_search(
        database(request), caller.actor, case_id, body.address, body.searched_on
    )


@router.post("/cases/{case_id}/charges", response_model=CaseView)
def charge(
    request: Request, caller: CallerDep, case_id: RecordId, body: ChargeIn, csrf: CsrfHeader = None
) -> CaseView:
    require_csrf(request, caller, csrf)
    return cases.record_charge(
        database(request), caller.actor, case_id, body.offence, body.images, body.charged_on
    )


@router.post("/cases/{case_id}/children", response_model=CaseView)
def children(
    request: Request, caller: CallerDep, case_id: RecordId, body: Children, csrf: CsrfHeader = None
) -> CaseView:
    require_csrf(request, caller, csrf)
    return cases.record_children(
        database(request),
        caller.actor,
        case_id,
        body.count,
        body.age_band,
        body.relationship,
        body.immediate_risk,
    )


@router.post("/cases/{case_id}/safeguarding-actions", response_model=CaseView)
def safeguarding_action(
    request: Request,
    caller: CallerDep,
    case_id: RecordId,
    body: SafeguardingActionIn,
    csrf: CsrfHeader = None,
) -> CaseView:
    require_csrf(request, caller, csrf)
    return cases.record_safeguarding_action(
        database(request), caller.actor, case_id, body.kind, body.action_on, body.owner, body.note
    )


@router.get("/bail-due", response_model=list[BailDue])
def bail_due(
    request: Request,
    caller: CallerDep,
    within_days: Annotated[int, Query(ge=0, le=366)] = BAIL_REVIEW_DAYS,
    offset: Offset = 0,
    limit: Limit = 100,
) -> list[BailDue]:
    """Active bail ending within the window (or past), soonest first, a page at a time."""
    today = service_day()
    return bail_expiring(database(request), caller.actor, today, within_days, offset, limit)


class BailIn(BaseModel):
    started_on: date
    conditions: list[Annotated[str, Field(min_length=1, max_length=400)]] = Field(
        min_length=1,
        max_length=20,
        description="short names of the usual conditions (GET /api/v1/bail-conditions) or text",
    )
    authorised_by: str = Field(min_length=1, max_length=120, description="the inspector")


class BailExtensionIn(BaseModel):
    authorised_by: str = Field(min_length=1, max_length=120)
    court_until: date | None = Field(
        default=None, description="beyond 9 months: the date a magistrates' court set"
    )


class FlagsIn(BaseModel):
    position_of_trust: bool | None = None
    position_of_trust_detail: str | None = Field(default=None, max_length=400)
    registered_sex_offender: bool | None = None


@router.get("/bail-conditions", response_model=dict[str, str])
def bail_conditions(caller: CallerDep) -> dict[str, str]:
    """The usual pre-charge bail conditions, by short name."""
    return dict(USUAL_BAIL_CONDITIONS)


@router.post("/cases/{case_id}/bail", response_model=CaseView)
def bail(
    request: Request, caller: CallerDep, case_id: RecordId, body: BailIn, csrf: CsrfHeader = None
) -> CaseView:
    """Release on pre-charge bail: the case moves to on-bail and the 3-month clock starts."""
    require_csrf(request, caller, csrf)
    return start_bail(
        database(request),
        caller.actor,
        case_id,
        body.started_on,
        body.conditions,
        body.authorised_by,
    )


@router.post("/cases/{case_id}/bail/extend", response_model=CaseView)
def extend_bail_route(
    request: Request,
    caller: CallerDep,
    case_id: RecordId,
    body: BailExtensionIn,
    csrf: CsrfHeader = None,
) -> CaseView:
    """Extend active bail to its next stage (6, 9 months, then a court's date)."""
    require_csrf(request, caller, csrf)
    return extend_bail(
        database(request), caller.actor, case_id, body.authorised_by, body.court_until
    )


@router.post("/cases/{case_id}/flags", response_model=CaseView)
def flags(
    request: Request, caller: CallerDep, case_id: RecordId, body: FlagsIn, csrf: CsrfHeader = None
) -> CaseView:
    """Position of trust and registered sex offender; a field left out is left as it is."""
    require_csrf(request, caller, csrf)
    return cases.set_flags(
        database(request),
        caller.actor,
        case_id,
        position_of_trust=body.position_of_trust,
        position_of_trust_detail=body.position_of_trust_detail,
        registered_sex_offender=body.registered_sex_offender,
    )

"""The JSON API for the coordinator's side of an operation: referrals, subjects, risk, allocation,
deconfliction look-ups, and issuing and transferring packages. Same services as the CLI and the
pages; a force sees a referral or subject only once it is allocated to it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from footprint.operations import packages
from footprint.operations.allocation import allocation_queue, assign_manually
from footprint.operations.assessments import RiskView, assess_subject, override_risk
from footprint.operations.packages import PackageView
from footprint.operations.records import (
    ReferralFilter,
    ReferralRow,
    ReferralView,
    SubjectView,
    get_referral,
    get_subject,
    list_referrals,
)
from footprint.operations.risk import Band
from footprint.operations.search import SearchHit, search
from footprint.operations.subjects import (
    LOOKUP_KINDS,
    IdentifierHit,
    lookup_identifier,
    undo_subject_merge,
)
from footprint.web.answers import SerialisedRoute
from footprint.web.api import ERRORS, CallerDep, CsrfHeader, Limit, Offset, RecordId
from footprint.web.callers import database, require_csrf

router = APIRouter(
    prefix="/api/v1", tags=["intelligence"], responses=ERRORS, route_class=SerialisedRoute
)
OperationName = Annotated[str, Path(max_length=200)]
IDENTIFIER_KINDS = LOOKUP_KINDS  # identifiers, postcodes, IP addresses, file hashes
KIND_PATTERN = f"^({'|'.join(IDENTIFIER_KINDS)})$"


class WaitingSubject(BaseModel):
    subject_id: int
    reason: str


class AssessIn(BaseModel):
    factors: list[Annotated[str, Field(max_length=60)]] = Field(
        max_length=40, description="risk factors present (see docs/operations.md)"
    )


class OverrideIn(BaseModel):
    band: Band
    reason: str = Field(min_length=1, max_length=2000)


class AssignIn(BaseModel):
    force: str = Field(min_length=1, max_length=9, description="the force's GSS code")
    reason: str = Field(min_length=1, max_length=400)


class TransferIn(BaseModel):
    to_force: str = Field(min_length=1, max_length=9, description="the receiving force's code")
    reason: str = Field(min_length=1, max_length=2000)


@router.get("/operations/{name}/referrals", response_model=list[ReferralRow])
def referrals(
    request: Request,
    caller: CallerDep,
    name: OperationName,
    waiting: ReferralFilter = ReferralFilter.ALL,
    offset: Offset = 0,
    limit: Limit = 100,
) -> list[ReferralRow]:
    """The referrals queue (the coordinator's), oldest first, a page at a time."""
    return list_referrals(database(request), caller.actor, name, waiting, offset, limit)


@router.get("/referrals/{referral_id}", response_model=ReferralView)
def referral(request: Request, caller: CallerDep, referral_id: RecordId) -> ReferralView:
    return get_referral(database(request), caller.actor, referral_id)


@router.get("/subjects/{subject_id}", response_model=SubjectView)
def subject(request: Request, caller: CallerDep, subject_id: RecordId) -> SubjectView:
    return get_subject(database(request), caller.actor, subject_id)


@router.post("/subjects/{subject_id}/risk", response_model=RiskView)
def assess(
    request: Request,
    caller: CallerDep,
    subject_id: RecordId,
    body: AssessIn,
    csrf: CsrfHeader = None,
) -> RiskView:
    require_csrf(request, caller, csrf)
    return assess_subject(database(request), caller.actor, subject_id, set(body.factors))


@router.post("/subjects/{subject_id}/risk/override", response_model=RiskView)
def override(
    request: Request,
    caller: CallerDep,
    subject_id: RecordId,
    body: OverrideIn,
    csrf: CsrfHeader = None,
) -> RiskView:
    require_csrf(request, caller, csrf)
    return override_risk(database(request), caller.actor, subject_id, body.band, body.reason)


@router.post("/subjects/{subject_id}/assign", response_model=SubjectView)
def assign(
    request: Request,
    caller: CallerDep,
    subject_id: RecordId,
    body: AssignIn,
    csrf: CsrfHeader = None,
) -> SubjectView:
    """Allocate a subject to a force by hand, with the reason (the coordinator's)."""
    require_csrf(request, caller, csrf)
    db = database(request)
    assign_manually(db, caller.actor, subject_id, body.force, body.reason)
    return get_subject(db, caller.actor, subject_id)


class PackageIssueIn(BaseModel):
    second_reason: str | None = Field(
        None, max_length=400, description="why, when the subject already has a package open"
    )


@router.post("/subjects/{subject_id}/package", response_model=PackageView)
def issue(
    request: Request,
    caller: CallerDep,
    subject_id: RecordId,
    body: PackageIssueIn | None = None,
    csrf: CsrfHeader = None,
) -> PackageView:
    """Issue an intelligence package for an allocated, assessed subject (the coordinator's); a
    second while one is open needs a reason."""
    require_csrf(request, caller, csrf)
    reason = body.second_reason if body else None
    return packages.issue_package(database(request), caller.actor, subject_id, reason)


@router.post("/subjects/{subject_id}/merges/{merge_id}/undo", response_model=SubjectView)
def unmerge(
    request: Request,
    caller: CallerDep,
    subject_id: RecordId,
    merge_id: RecordId,
    csrf: CsrfHeader = None,
) -> SubjectView:
    """Undo a merge into this subject: the absorbed subject gets its referrals back and the
    two are never merged again (the coordinator's)."""
    require_csrf(request, caller, csrf)
    db = database(request)
    undo_subject_merge(db, caller.actor, subject_id, merge_id)
    return get_subject(db, caller.actor, subject_id)


@router.post("/packages/{package_id}/transfer", response_model=PackageView)
def transfer(
    request: Request,
    caller: CallerDep,
    package_id: RecordId,
    body: TransferIn,
    csrf: CsrfHeader = None,
) -> PackageView:
    require_csrf(request, caller, csrf)
    return packages.transfer_package(
        database(request), caller.actor, package_id, body.to_force, body.reason
    )


@router.get("/operations/{name}/allocation-queue", response_model=list[WaitingSubject])
def allocation(
    request: Request, caller: CallerDep, name: OperationName, offset: Offset = 0, limit: Limit = 100
) -> list[WaitingSubject]:
    """Subjects no resolver could place, with the reason (the coordinator's)."""
    waiting = allocation_queue(database(request), caller.actor, name, offset, limit)
    return [WaitingSubject(subject_id=s, reason=r) for s, r in waiting]


@router.get("/identifiers", response_model=list[IdentifierHit])
def identifier(
    request: Request,
    caller: CallerDep,
    kind: Annotated[str, Query(pattern=KIND_PATTERN)],
    value: Annotated[str, Query(min_length=1, max_length=320)],
) -> list[IdentifierHit]:
    """Deconfliction: every operation, subject and referral an identifier appears in."""
    return lookup_identifier(database(request), caller.actor, kind, value)


@router.get("/search", response_model=list[SearchHit])
def search_everything(
    request: Request,
    caller: CallerDep,
    q: Annotated[str, Query(min_length=1, max_length=320)],
) -> list[SearchHit]:
    """Cases, packages, subjects, referrals and exhibits the caller may see that the text names
    (a number, an exhibit reference, a report id), and every referral an identifier, postcode,
    IP address or file hash guessed from it appears in."""
    return search(database(request), caller.actor, q)

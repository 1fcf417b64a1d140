"""Pages for the coordinator's side of an operation: the referrals queue and one referral, the
subject page (with risk, allocation and package issue), the allocation queue, package transfer
and the deconfliction look-up. The services decide who may see and do what."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, Response

from footprint.geo.forces import police_forces
from footprint.operations import packages
from footprint.operations.allocation import allocation_queue, assign_manually
from footprint.operations.assessments import assess_subject, override_risk
from footprint.operations.records import ReferralFilter, get_referral, get_subject, list_referrals
from footprint.operations.risk import ORDER, TYPED_FACTORS, Band
from footprint.operations.search import search
from footprint.operations.subjects import lookup_identifier, undo_subject_merge
from footprint.web.api_intelligence import IDENTIFIER_KINDS, KIND_PATTERN
from footprint.web.callers import Caller, database
from footprint.web.pages import (
    PAGE,
    Csrf,
    Offset,
    PageCaller,
    RecordId,
    changed,
    keep_typed,
    operations_of,
    record_form,
)
from footprint.web.rendering import render

# a refused form comes back filled in as it was sent (pages.keep_typed)
router = APIRouter(include_in_schema=False, dependencies=[Depends(keep_typed)])
OperationChoice = Annotated[str | None, Query(max_length=200)]


@router.get("/referrals")
def referral_queue(
    request: Request,
    caller: PageCaller,
    operation: OperationChoice = None,
    waiting: ReferralFilter = ReferralFilter.ALL,
    offset: Offset = 0,
) -> Response:
    names, chosen = operations_of(request, caller, operation)
    rows = []
    if chosen is not None:
        rows = list_referrals(database(request), caller.actor, chosen, waiting, offset, PAGE + 1)
    return render(
        request,
        "referrals.html",
        caller,
        operations=names,
        operation=chosen,
        waiting=waiting,
        filters=list(ReferralFilter),
        referrals=rows[:PAGE],
        offset=offset,
        page=PAGE,
        more=len(rows) > PAGE,
    )


@router.get("/referrals/{referral_id}")
def referral_page(request: Request, caller: PageCaller, referral_id: RecordId) -> Response:
    view = get_referral(database(request), caller.actor, referral_id)
    return render(request, "referral.html", caller, referral=view)


def _subject_page(
    request: Request, caller: Caller, subject_id: int, error: str | None = None, status: int = 200
) -> Response:
    view = get_subject(database(request), caller.actor, subject_id)
    return render(
        request,
        "subject.html",
        caller,
        status=status,
        subject=view,
        error=error,
        factors=TYPED_FACTORS,
        bands=ORDER,
        forces=police_forces(),
    )


@router.get("/subjects/{subject_id}")
def subject_page(request: Request, caller: PageCaller, subject_id: RecordId) -> Response:
    return _subject_page(request, caller, subject_id)


_subject_change = record_form(_subject_page, "/subjects/{id}")


@router.post("/subjects/{subject_id}/risk")
def assess(
    request: Request,
    caller: PageCaller,
    subject_id: RecordId,
    factors: Annotated[list[str], Form(max_length=40)] = [],  # noqa: B006 (FastAPI copies it)
    csrf: Csrf = None,
) -> Response:
    return _subject_change(request, caller, subject_id, csrf, assess_subject, set(factors))


@router.post("/subjects/{subject_id}/risk/override")
def override(
    request: Request,
    caller: PageCaller,
    subject_id: RecordId,
    band: Annotated[Band, Form()],
    reason: Annotated[str, Form(max_length=2000)],
    csrf: Csrf = None,
) -> Response:
    return _subject_change(request, caller, subject_id, csrf, override_risk, band, reason)


@router.post("/subjects/{subject_id}/assign")
def assign(
    request: Request,
    caller: PageCaller,
    subject_id: RecordId,
    force: Annotated[str, Form(max_length=9)],
    reason: Annotated[str, Form(max_length=400)],
    csrf: Csrf = None,
) -> Response:
    return _subject_change(request, caller, subject_id, csrf, assign_manually, force, reason)


@router.post("/subjects/{subject_id}/merges/{merge_id}/undo")
def unmerge(
    request: Request,
    caller: PageCaller,
    subject_id: RecordId,
    merge_id: RecordId,
    csrf: Csrf = None,
) -> Response:
    return _subject_change(request, caller, subject_id, csrf, undo_subject_merge, merge_id)


@router.post("/subjects/{subject_id}/package")
def issue(
    request: Request,
    caller: PageCaller,
    subject_id: RecordId,
    second_reason: Annotated[str, Form(max_length=400)] = "",
    csrf: Csrf = None,
) -> Response:
    db = database(request)
    return changed(
        request,
        caller,
        csrf,
        lambda: packages.issue_package(db, caller.actor, subject_id, second_reason or None),
        lambda package: f"/packages/{package.id}",
        lambda error, status: _subject_page(request, caller, subject_id, error, status),
    )


@router.post("/packages/{package_id}/transfer")
def transfer(
    request: Request,
    caller: PageCaller,
    package_id: RecordId,
    to_force: Annotated[str, Form(max_length=9)],
    reason: Annotated[str, Form(max_length=2000)],
    csrf: Csrf = None,
) -> Response:
    db = database(request)

    def again(error: str, status: int) -> Response:
        view = packages.get_package(db, caller.actor, package_id)
        return render(
            request,
            "package.html",
            caller,
            status=status,
            package=view,
            error=error,
            forces=police_forces(),
        )

    return changed(
        request,
        caller,
        csrf,
        lambda: packages.transfer_package(db, caller.actor, package_id, to_force, reason),
        f"/packages/{package_id}",
        again,
    )


@router.get("/allocation")
def allocation_page(
    request: Request, caller: PageCaller, operation: OperationChoice = None, offset: Offset = 0
) -> Response:
    names, chosen = operations_of(request, caller, operation)
    waiting = []
    if chosen is not None:
        waiting = allocation_queue(database(request), caller.actor, chosen, offset, PAGE + 1)
    return render(
        request,
        "allocation.html",
        caller,
        operations=names,
        operation=chosen,
        waiting=waiting[:PAGE],
        offset=offset,
        page=PAGE,
        more=len(waiting) > PAGE,
        forces=police_forces(),
    )


@router.get("/identifiers")
def identifier_page(
    request: Request,
    caller: PageCaller,
    kind: Annotated[str | None, Query(pattern=KIND_PATTERN)] = None,
    value: Annotated[str | None, Query(max_length=320)] = None,
) -> Response:
    hits = None
    error = None
    if kind and value:
        try:
            hits = lookup_identifier(database(request), caller.actor, kind, value)
        except ValueError as exc:
            error = str(exc)
    return render(
        request,
        "identifiers.html",
        caller,
        status=422 if error else 200,
        kinds=IDENTIFIER_KINDS,
        kind=kind or "email",
        value=value or "",
        hits=hits,
        error=error,
    )


@router.get("/search")
def search_page(
    request: Request,
    caller: PageCaller,
    q: Annotated[str | None, Query(max_length=320)] = None,
) -> Response:
    """One box across the operation: what the text names that the reader may see."""
    hits, error = None, None
    if q is not None:
        try:
            hits = search(database(request), caller.actor, q)
        except ValueError as exc:
            error = str(exc)
    return render(
        request,
        "search.html",
        caller,
        status=422 if error else 200,
        q=q or "",
        hits=hits,
        error=error,
    )

"""Server-rendered pages over the same services as the API. Every form carries the session's
CSRF token; a change answers with a redirect (so a reload never repeats it), a refused change
shows the page again with the reason."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Path, Query, Request, Response
from fastapi.responses import RedirectResponse

from footprint.clock import service_day
from footprint.errors import message_for, status_for
from footprint.geo.forces import police_forces
from footprint.operations import packages
from footprint.operations.bail import bail_expiring, count_bail_due
from footprint.operations.figures import (
    MEASURES,
    compute_figures,
)
from footprint.operations.listing import order_from
from footprint.operations.notifications import notices_for
from footprint.operations.outcomes import (
    BAIL_REVIEW_DAYS,
)
from footprint.operations.package_list import DUE_CHOICES, PACKAGE_ORDERS, list_packages
from footprint.operations.progress import progress_over_time
from footprint.operations.risk import ORDER
from footprint.operations.service import list_operations
from footprint.security.audit_log import (
    VERIFY_AGE_SECONDS,
    AuditFilter,
    chain_status,
    read_log,
)
from footprint.security.credentials import SignInRefused, sign_in
from footprint.security.sessions import end_session, start_session
from footprint.web.callers import COOKIE, CSRF_FIELD, Caller, database, identify, require_csrf
from footprint.web.charts import Bar, bar_chart, line_chart
from footprint.web.list_queries import PackageQuery, Sort
from footprint.web.rendering import render
from footprint.web.tables import figures_table

router = APIRouter(include_in_schema=False)

PageCaller = Annotated[Caller, Depends(identify)]
Csrf = Annotated[str | None, Form(alias=CSRF_FIELD)]
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1)]  # rows to skip in a list
PAGE = 100  # rows per page of a list
DASHBOARD_ROWS = 10  # the most urgent of each list on a dashboard; the rest a link away
DASHBOARD_AGE = timedelta(minutes=1)  # dashboard counts may be this old (recounted after)
SIGN_IN_COOKIE = "footprint_sign_in"  # double-submit token for the sign-in form itself


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _local(target: str | None) -> str:
    """Only a path on this site: never an open redirect (browsers read "/\\host" and "//host"
    as another site, and drop tabs and newlines inside a URL)."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and all(c.isprintable() and not c.isspace() for c in target)
    ):
        return target
    return "/"


@router.get("/sign-in")
def sign_in_page(request: Request, next: str | None = None, failed: bool = False) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request, "sign_in.html", None, next=_local(next), sign_in_token=token, failed=failed
    )
    response.set_cookie(
        SIGN_IN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        max_age=1800,
    )
    return response


@router.post("/sign-in")
def sign_in_submit(
    request: Request,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=1024)],
    sign_in_token: Annotated[str, Form(max_length=100)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    expected = request.cookies.get(SIGN_IN_COOKIE)
    if not expected or not secrets.compare_digest(expected, sign_in_token):
        return RedirectResponse("/sign-in?failed=true", status_code=303)
    db = database(request)
    cookie = None
    with db.unit_of_work() as session:  # a refusal is committed too: failures count to a lock
        try:
            source = request.client.host if request.client else "unknown"
            actor = sign_in(session, username, password, source)
        except SignInRefused:
            actor = None
        if actor is not None:
            cookie = start_session(session, actor)
    if cookie is None:
        return RedirectResponse(f"/sign-in?failed=true&next={quote(_local(next))}", status_code=303)
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(
        COOKIE, cookie, httponly=True, samesite="strict", secure=_secure(request), path="/"
    )
    response.delete_cookie(SIGN_IN_COOKIE)
    return response


@router.post("/sign-out")
def sign_out(request: Request, caller: PageCaller, csrf: Csrf = None) -> Response:
    require_csrf(request, caller, csrf)
    cookie = request.cookies.get(COOKIE)
    if cookie:
        with database(request).unit_of_work() as session:
            end_session(session, cookie)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def operations_of(
    request: Request, caller: Caller, asked: str | None
) -> tuple[list[str], str | None]:
    """The operations the caller takes part in, and the one to show: the one asked for if it is
    among them, else the newest."""
    with database(request).read_only() as session:
        names = [o.name for o in list_operations(session, caller.actor)]
    return names, asked if asked in names else (names[-1] if names else None)


@router.get("/")
def dashboard(
    request: Request,
    caller: PageCaller,
    operation: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    db, actor = database(request), caller.actor
    names, chosen = operations_of(request, caller, operation)
    day = service_day()
    figures = compute_figures(db, actor, chosen, day, DASHBOARD_AGE) if chosen else None
    overview = packages.package_overview(db, actor, limit=DASHBOARD_ROWS, max_age=DASHBOARD_AGE)
    bail = bail_expiring(db, actor, day, limit=DASHBOARD_ROWS)
    charts = []
    if figures is not None and actor.is_coordinator:
        for measure, title in (("packages_issued", "Packages issued"), ("arrests", "Arrests")):
            bars = [
                Bar(name, figures.counts[code][measure]) for code, name in figures.forces.items()
            ]
            charts.append((f"{title} per force", bar_chart(f"{title} per force", bars)))
    band_chart = bar_chart(
        "Packages by risk band", [Bar(band, n) for band, n in overview.by_band.items()], "#8a3b1d"
    )
    progress_chart = None
    if chosen is not None:
        progress = progress_over_time(db, actor, chosen, day, max_age=DASHBOARD_AGE)
        labels = [monday.strftime("%d %b") for monday in progress.weeks]
        progress_chart = line_chart("Progress over time, cumulative", labels, progress.cumulative)
    return render(
        request,
        "dashboard.html",
        caller,
        operations=names,
        operation=chosen,
        figures=figures,
        figures_table=figures_table(figures, MEASURES) if figures else None,
        charts=charts,
        band_chart=band_chart,
        progress_chart=progress_chart,
        overview=overview,
        bail=bail,
        bail_count=count_bail_due(db, actor, day),
        bail_days=BAIL_REVIEW_DAYS,
    )


@router.get("/bail")
def bail_page(
    request: Request,
    caller: PageCaller,
    within: Annotated[int, Query(ge=0, le=366)] = BAIL_REVIEW_DAYS,
    offset: Offset = 0,
) -> Response:
    """Every active bail the reader holds that ends within the window (or has), soonest first:
    the supervisor's review list, a page at a time."""
    db, day = database(request), service_day()
    due = bail_expiring(db, caller.actor, day, within, offset, PAGE + 1)
    return render(
        request,
        "bail.html",
        caller,
        bail=due[:PAGE],
        count=count_bail_due(db, caller.actor, day, within),
        within=within,
        windows=sorted({7, BAIL_REVIEW_DAYS, 28, within}),
        query=urlencode({"within": within}),
        offset=offset,
        page=PAGE,
        more=len(due) > PAGE,
    )


@router.get("/notifications")
def notifications_page(request: Request, caller: PageCaller) -> Response:
    """What needs the reader's attention now, most urgent first."""
    notices = notices_for(database(request), caller.actor)
    return render(request, "notifications.html", caller, notices=notices)


async def keep_typed(request: Request) -> None:
    """What a person typed into a form, kept on the request so that a refusal can show the
    form again filled in as it was sent (the form is read once: Starlette keeps it parsed)."""
    if request.method == "POST" and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        typed: dict[str, str | list[str]] = {}
        for key in form:
            if key == CSRF_FIELD:
                continue
            values = [v for v in form.getlist(key) if isinstance(v, str)]
            typed[key] = values if len(values) > 1 else (values[0] if values else "")
        request.state.typed = typed


def changed(
    request: Request,
    caller: Caller,
    csrf: str | None,
    change: Callable[[], Any],
    done: str | Callable[[Any], str],
    again: Callable[[str, int], Response],
) -> Response:
    """Make a change from a form: on success go to `done` (or to where `done` says, given what
    the change returned; a reload never repeats it); a step not allowed (409) or bad input (422)
    shows the page `again` with the reason."""
    require_csrf(request, caller, csrf)
    try:
        result = change()
    except (ValueError, TypeError) as exc:  # Invalid (422) and Conflict (409) among them
        return again(message_for(exc), status_for(exc))
    return RedirectResponse(done if isinstance(done, str) else done(result), status_code=303)


RecordPage = Callable[[Request, Caller, int, str | None, int], Response]


def record_form(page: RecordPage, url: str) -> Callable[..., Response]:
    """The form handler of one kind of record page: `(request, caller, record_id, csrf, record,
    *values)` calls `record(db, actor, record_id, *values)`, goes to `url` (its `{id}` filled)
    on success, and on a refusal draws `page(request, caller, record_id, error, status)` again."""

    def change(
        request: Request,
        caller: Caller,
        record_id: int,
        csrf: str | None,
        record: Callable[..., Any],
        *values: Any,
    ) -> Response:
        return changed(
            request,
            caller,
            csrf,
            lambda: record(database(request), caller.actor, record_id, *values),
            url.format(id=record_id),
            lambda error, status: page(request, caller, record_id, error, status),
        )

    return change


@router.get("/packages")
def package_list(
    request: Request,
    caller: PageCaller,
    wanted: PackageQuery,
    offset: Offset = 0,
    sort: Sort = None,
) -> Response:
    """Every package the reader may see, a page at a time, filtered and sorted by choices; the
    counts above it are the overview's."""
    db = database(request)
    order = order_from(sort, PACKAGE_ORDERS, "deadline")
    overview = packages.package_overview(db, caller.actor, limit=0, max_age=DASHBOARD_AGE)
    rows = list_packages(db, caller.actor, wanted, offset, PAGE + 1, sort)
    query = {k: v for k, v in asdict(wanted).items() if v}
    return render(
        request,
        "packages.html",
        caller,
        overview=overview,
        packages=rows[:PAGE],
        wanted=wanted,
        order=order,
        filters=urlencode(query),
        query=urlencode(query | {"sort": str(order)}),
        statuses=list(packages.PackageStatus),
        bands=[b.value for b in ORDER],
        dues=DUE_CHOICES,
        forces=police_forces() if caller.actor.is_coordinator else [],
        offset=offset,
        page=PAGE,
        more=len(rows) > PAGE,
    )


@router.get("/packages/{package_id}")
def package_page(request: Request, caller: PageCaller, package_id: RecordId) -> Response:
    view = packages.get_package(database(request), caller.actor, package_id)
    return render(request, "package.html", caller, package=view, forces=police_forces())


@router.post("/packages/{package_id}/acknowledge")
def acknowledge(
    request: Request, caller: PageCaller, package_id: RecordId, csrf: Csrf = None
) -> Response:
    require_csrf(request, caller, csrf)
    view = packages.acknowledge_package(database(request), caller.actor, package_id)
    # straight on to the case it opened: that is where the force's work starts
    return RedirectResponse(f"/cases/{view.case_id}", status_code=303)


@router.get("/audit")
def audit_page(
    request: Request,
    caller: PageCaller,
    actor: Annotated[str | None, Query(max_length=80)] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
    record_type: Annotated[str | None, Query(max_length=40)] = None,
    record_id: Annotated[str | None, Query(max_length=80)] = None,
    offset: Offset = 0,
    fresh: bool = False,
) -> Response:
    db = database(request)
    wanted = AuditFilter(actor or None, action or None, record_type or None, record_id or None)
    entries = read_log(db, caller.actor, wanted, offset, PAGE + 1)
    query = {k: v for k, v in asdict(wanted).items() if v}
    return render(
        request,
        "audit.html",
        caller,
        status_of_chain=chain_status(db, caller.actor, 0 if fresh else VERIFY_AGE_SECONDS),
        entries=entries[:PAGE],
        wanted=wanted,
        offset=offset,
        page=PAGE,
        more=len(entries) > PAGE,
        query=("&" + urlencode(query)) if query else "",
    )

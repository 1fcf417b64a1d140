"""The figures page (the coordinator's): the disclosure-controlled table as it would be
released today, the form that releases it, and every past release with its digest, to
download as it was published. A release that would let a small count be worked out by
differencing it with the last one is refused unless a reason is given, shown on the page."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request, Response
from fastapi.responses import PlainTextResponse, RedirectResponse

from footprint.clock import service_day
from footprint.operations.figures import (
    MEASURES,
    DifferencingRisk,
    download_release,
    list_releases,
    publish_figures,
)
from footprint.web.callers import database, require_csrf
from footprint.web.pages import Csrf, PageCaller, operations_of
from footprint.web.rendering import render

router = APIRouter(include_in_schema=False)
ReleaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _figures_page(
    request: Request,
    caller: PageCaller,
    operation: str | None,
    rounded: bool,
    refused: DifferencingRisk | None = None,
    released: int | None = None,
) -> Response:
    names, chosen = operations_of(request, caller, operation)
    db = database(request)
    table = releases = None
    if chosen is not None:
        table = publish_figures(db, caller.actor, chosen, service_day(), rounded, record=False)
        releases = list_releases(db, caller.actor, chosen)
    return render(
        request,
        "figures.html",
        caller,
        status=409 if refused else 200,
        operations=names,
        operation=chosen,
        table=table,
        releases=releases or [],
        measures=MEASURES,
        rounded=rounded,
        refused=refused,
        released=released,
    )


@router.get("/figures")
def figures_page(
    request: Request,
    caller: PageCaller,
    operation: Annotated[str | None, Query(max_length=200)] = None,
    rounded: bool = False,
    released: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    return _figures_page(request, caller, operation, rounded, released=released)


@router.post("/figures/releases")
def release(
    request: Request,
    caller: PageCaller,
    operation: Annotated[str, Form(max_length=200)],
    rounded: Annotated[bool, Form()] = False,
    override_reason: Annotated[str, Form(max_length=400)] = "",
    csrf: Csrf = None,
) -> Response:
    """Publish today's table as a release; refused, the page says why and asks for a reason."""
    require_csrf(request, caller, csrf)
    try:
        published = publish_figures(
            database(request),
            caller.actor,
            operation,
            service_day(),
            rounded,
            record=True,
            override_reason=override_reason,
        )
    except DifferencingRisk as refusal:
        return _figures_page(request, caller, operation, rounded, refusal)
    query = {"operation": operation, "released": published.publication_id}
    return RedirectResponse(f"/figures?{urlencode(query)}", status_code=303)


@router.get("/figures/releases/{publication_id}")
def release_download(
    request: Request,
    caller: PageCaller,
    publication_id: ReleaseId,
    format: Literal["csv", "json"] = "csv",
) -> Response:
    """A past release as it was published (audited with the digest of what left)."""
    kept, text = download_release(database(request), caller.actor, publication_id, format)
    name = f"figures-{kept.as_of.isoformat()}-release-{kept.id}.{format}"
    return PlainTextResponse(
        text,
        media_type="text/csv" if format == "csv" else "application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

"""The JSON API for releases of figures (the coordinator's): publish today's disclosure-
controlled table, list the releases with their digests, and read any one as it was published.
A release that would let a small count be worked out by differencing is refused (409) unless
`override_reason` says why it must go out."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from footprint.clock import service_day
from footprint.operations.figures import (
    Release,
    download_release,
    list_releases,
    publish_figures,
)
from footprint.web.answers import SerialisedRoute
from footprint.web.api import ERRORS, CallerDep, CsrfHeader, RecordId
from footprint.web.callers import database, require_csrf

router = APIRouter(
    prefix="/api/v1", tags=["figures"], responses=ERRORS, route_class=SerialisedRoute
)
OperationName = Annotated[str, Path(max_length=200)]


class ReleaseIn(BaseModel):
    rounded: bool = Field(default=False, description="round published counts to 5")
    override_reason: str | None = Field(
        default=None, max_length=400, description="why it goes out despite differencing"
    )


@router.post("/operations/{name}/releases", response_model=Release)
def publish(
    request: Request,
    caller: CallerDep,
    name: OperationName,
    body: ReleaseIn,
    csrf: CsrfHeader = None,
) -> Release:
    require_csrf(request, caller, csrf)
    db = database(request)
    published = publish_figures(
        db, caller.actor, name, service_day(), body.rounded, True, body.override_reason
    )
    return next(
        r for r in list_releases(db, caller.actor, name) if r.id == published.publication_id
    )


@router.get("/operations/{name}/releases", response_model=list[Release])
def releases(request: Request, caller: CallerDep, name: OperationName) -> list[Release]:
    """Releases of the operation's figures, latest first, with their SHA-256."""
    return list_releases(database(request), caller.actor, name)


@router.get("/releases/{publication_id}", response_model=dict[str, Any])
def release(request: Request, caller: CallerDep, publication_id: RecordId) -> dict[str, Any]:
    """A release as it was published (audited as a download)."""
    _, text = download_release(database(request), caller.actor, publication_id, "json")
    content: dict[str, Any] = json.loads(text)
    return content

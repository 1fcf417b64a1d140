"""Pages for seized devices and their triage scans: record a device, link one of the force's
finished scans, review the findings with filters, and — for forensic examiners who ask — see a
file's thumbnail, greyscale and blurred until revealed with one click. Every view is audited."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request, Response

from footprint.hashsets.model import SEVERITY
from footprint.operations import device_scans
from footprint.operations.device_scans import (
    device_finding,
    device_scan,
    finding_thumbnail,
    link_named_scan,
    linkable_scans,
)
from footprint.security.actor import Actor
from footprint.store import Database
from footprint.triage.export import Included
from footprint.triage.findings import Shown
from footprint.triage.outputs import signal_rows
from footprint.web.callers import Caller, database, settings
from footprint.web.downloads import scan_export_file
from footprint.web.pages import (
    PAGE,
    Csrf,
    Offset,
    PageCaller,
    RecordId,
)
from footprint.web.pages_cases import case_change, render_case
from footprint.web.rendering import render

router = APIRouter(include_in_schema=False)
DeviceId = Annotated[int, Path(ge=1, le=2**31 - 1)]
FindingIndex = Annotated[int, Path(ge=0, le=2**31 - 1)]


@router.post("/cases/{case_id}/devices")
def record_device(
    request: Request,
    caller: PageCaller,
    case_id: RecordId,
    exhibit_ref: Annotated[str, Form(max_length=80)],
    description: Annotated[str, Form(max_length=400)],
    seized_on: Annotated[date, Form()],
    csrf: Csrf = None,
) -> Response:
    device = (exhibit_ref, description, seized_on)
    return case_change(request, caller, case_id, csrf, device_scans.record_device, *device)


@router.post("/cases/{case_id}/devices/{device_id}/scan")
def link_scan(
    request: Request,
    caller: PageCaller,
    case_id: RecordId,
    device_id: DeviceId,
    scan: Annotated[str, Form(max_length=200)],
    csrf: Csrf = None,
) -> Response:
    scans_dir = settings(request).scans_dir

    def link(db: Database, actor: Actor, case: int) -> object:
        return link_named_scan(db, actor, scans_dir, case, device_id, scan)

    return case_change(request, caller, case_id, csrf, link)


def _device_page(
    request: Request,
    caller: Caller,
    case_id: int,
    device_id: int,
    shown: Shown,
    category: str | None,
    text: str,
    offset: int,
    thumbnails: bool,
) -> Response:
    db = database(request)
    view = device_scan(db, caller.actor, case_id, device_id, shown, category, text, offset, PAGE)
    linkable = []
    if view.scan is None:
        linkable = linkable_scans(db, caller.actor, settings(request).scans_dir, case_id)
    query = {"shown": shown, "category": category or "", "text": text}
    if thumbnails:
        query["thumbnails"] = "true"
    return render(
        request,
        "device.html",
        caller,
        device=view,
        linkable=linkable,
        shown=shown,
        showns=list(Shown),
        category=category or "",
        categories=SEVERITY,
        text=text,
        offset=offset,
        page=PAGE,
        query="&" + urlencode(query),
        thumbnails=thumbnails and view.may_see_imagery,
    )


@router.get("/cases/{case_id}/devices/{device_id}")
def device_page(
    request: Request,
    caller: PageCaller,
    case_id: RecordId,
    device_id: DeviceId,
    shown: Shown = Shown.MATCHED,
    category: Annotated[str | None, Query(max_length=30)] = None,
    text: Annotated[str, Query(max_length=200)] = "",
    offset: Offset = 0,
    thumbnails: bool = False,
) -> Response:
    try:
        return _device_page(
            request, caller, case_id, device_id, shown, category, text, offset, thumbnails
        )
    except ValueError as exc:  # a category not in the list, say: the case page explains
        return render_case(request, caller, case_id, str(exc), 422)


@router.get("/cases/{case_id}/devices/{device_id}/findings/{index}")
def finding_page(
    request: Request,
    caller: PageCaller,
    case_id: RecordId,
    device_id: DeviceId,
    index: FindingIndex,
    reveal: bool = False,
) -> Response:
    view, finding = device_finding(database(request), caller.actor, case_id, device_id, index)
    return render(
        request,
        "finding.html",
        caller,
        device=view,
        index=index,
        finding=finding,
        signals=signal_rows(finding),
        reveal=reveal and view.may_see_imagery,
        is_image=(finding.get("media_type") or "").startswith("image/"),
    )


@router.get("/cases/{case_id}/devices/{device_id}/findings/{index}/thumbnail")
def finding_picture(
    request: Request,
    caller: PageCaller,
    case_id: RecordId,
    device_id: DeviceId,
    index: FindingIndex,
    reveal: bool = False,
) -> Response:
    picture = finding_thumbnail(database(request), caller.actor, case_id, device_id, index, reveal)
    return Response(picture, media_type="image/png")


@router.get("/cases/{case_id}/devices/{device_id}/export")
def scan_export(
    request: Request,
    caller: PageCaller,
    case_id: RecordId,
    device_id: DeviceId,
    fmt: Annotated[str, Query(alias="format", max_length=16)] = "vics",
    include: Included = Included.MEDIA,
) -> Response:
    """The device's scan as a file for a review tool (audited)."""
    return scan_export_file(request, caller.actor, case_id, device_id, fmt, include)

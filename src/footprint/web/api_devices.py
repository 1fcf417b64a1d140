"""The JSON API for seized devices and their triage scans: record a device, link one of the
force's finished scans to it, and read the scan's summary and filtered findings (no imagery:
thumbnails are drawn for examiners in the pages only)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from footprint.operations import device_scans
from footprint.operations.case_view import CaseView
from footprint.operations.device_scans import (
    DeviceScanView,
    device_scan,
    link_named_scan,
    linkable_scans,
)
from footprint.triage.export import Included
from footprint.triage.findings import Shown
from footprint.web.answers import SerialisedRoute
from footprint.web.api import ERRORS, CallerDep, CsrfHeader, Limit, Offset, RecordId
from footprint.web.callers import database, require_csrf, settings
from footprint.web.downloads import scan_export_file

router = APIRouter(
    prefix="/api/v1", tags=["devices"], responses=ERRORS, route_class=SerialisedRoute
)
DeviceId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class DeviceIn(BaseModel):
    exhibit_ref: str = Field(min_length=1, max_length=80)
    description: str = Field(min_length=1, max_length=400)
    seized_on: date


class ScanLinkIn(BaseModel):
    scan: str = Field(
        min_length=1, max_length=200, description="a name from GET /cases/{case_id}/scans"
    )


@router.post("/cases/{case_id}/devices", response_model=CaseView)
def record_device(
    request: Request, caller: CallerDep, case_id: RecordId, body: DeviceIn, csrf: CsrfHeader = None
) -> CaseView:
    require_csrf(request, caller, csrf)
    return device_scans.record_device(
        database(request), caller.actor, case_id, body.exhibit_ref, body.description, body.seized_on
    )


@router.get("/cases/{case_id}/scans", response_model=list[str])
def scans(request: Request, caller: CallerDep, case_id: RecordId) -> list[str]:
    """Finished triage scans of the case's force that a device can be linked to."""
    return linkable_scans(database(request), caller.actor, settings(request).scans_dir, case_id)


@router.post("/cases/{case_id}/devices/{device_id}/scan", response_model=CaseView)
def link_scan(
    request: Request,
    caller: CallerDep,
    case_id: RecordId,
    device_id: DeviceId,
    body: ScanLinkIn,
    csrf: CsrfHeader = None,
) -> CaseView:
    """Attach a finished scan to the device; its counts feed the charging summary."""
    require_csrf(request, caller, csrf)
    return link_named_scan(
        database(request),
        caller.actor,
        settings(request).scans_dir,
        case_id,
        device_id,
        body.scan,
    )


@router.get("/cases/{case_id}/devices/{device_id}/scan", response_model=DeviceScanView)
def scan(
    request: Request,
    caller: CallerDep,
    case_id: RecordId,
    device_id: DeviceId,
    shown: Shown = Shown.MATCHED,
    category: Annotated[str | None, Query(max_length=30)] = None,
    text: Annotated[str, Query(max_length=200, description="part of the file's path")] = "",
    offset: Offset = 0,
    limit: Limit = 100,
) -> DeviceScanView:
    """The device's scan summary and one page of its findings that pass the filters."""
    return device_scan(
        database(request), caller.actor, case_id, device_id, shown, category, text, offset, limit
    )


@router.get("/cases/{case_id}/devices/{device_id}/export", response_class=FileResponse)
def scan_export(
    request: Request,
    caller: CallerDep,
    case_id: RecordId,
    device_id: DeviceId,
    fmt: Annotated[
        str, Query(alias="format", max_length=16, description="vics, vics-1.3 or csv")
    ] = "vics",
    include: Included = Included.MEDIA,
) -> FileResponse:
    """The device's scan for a review tool: each distinct picture and video once, with every
    place it was found and its category (audited; hashes and paths only)."""
    return scan_export_file(request, caller.actor, case_id, device_id, fmt, include)

"""Files the web app hands over: a device's scan exported for a review tool."""

from __future__ import annotations

import os
import tempfile

from fastapi import Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from footprint.errors import Invalid
from footprint.hashsets.schemes import parse_uk_codes
from footprint.operations.device_scans import export_device_scan
from footprint.security.actor import Actor
from footprint.triage.export import Included
from footprint.web.callers import database, settings

SCAN_EXPORTS = ("vics", "vics-1.3", "csv")  # what review tools load (ICSE carries no category)


def scan_export_file(
    request: Request, actor: Actor, case_id: int, device_id: int, fmt: str, include: Included
) -> FileResponse:
    """The device's scan (audited), written to a file first, since a device's scan may hold
    millions of files, and removed once sent. The file is the instance's, under
    `<var_dir>/exports/` beside the uploads (readable by this account alone), not in the
    machine's shared temporary folder: case data stays where the deployment keeps its data."""
    if fmt not in SCAN_EXPORTS:
        raise Invalid(f"format: {fmt!r} is not one of {', '.join(SCAN_EXPORTS)}")
    exports = settings(request).exports_dir
    exports.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix="scan-export-", dir=exports)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            export_device_scan(
                database(request),
                actor,
                case_id,
                device_id,
                out,
                fmt,
                include,
                parse_uk_codes(settings(request).uk_category_codes),
            )
    except BaseException:
        os.unlink(name)
        raise
    suffix = "csv" if fmt == "csv" else "json"
    return FileResponse(
        name,
        media_type="text/csv" if suffix == "csv" else "application/json",
        filename=f"case-{case_id}-device-{device_id}.{suffix}",
        headers={"Cache-Control": "no-store"},
        background=BackgroundTask(os.unlink, name),
    )

"""The grading page: an examiner works through near-duplicate groups by mouse or keyboard (a
key per category, next and previous, a selection graded in bulk), sees pictures only when the
role allows — greyscale and blurred, one action to reveal, every one audited — or a low-detail
grid of small blurred thumbnails ("see less"). Supervisors resolve disputes; examiners confirm
or reject matches and undo. The forms post here and come back to the same place (the keyboard
is static/grading.js on top of the same forms)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import PlainTextResponse

from footprint.errors import Invalid
from footprint.hashsets.formats import hashset_formats
from footprint.hashsets.schemes import parse_uk_codes
from footprint.hashsets.store import KnownHashStore
from footprint.operations import graded_files
from footprint.operations.grading_queue import Shown, grading_queue
from footprint.operations.new_material import export_new_material, flag_files, new_material
from footprint.security.actor import Actor
from footprint.store import Database
from footprint.web.callers import Caller, database, settings
from footprint.web.pages import Csrf, Offset, PageCaller, RecordId, _local, changed
from footprint.web.rendering import render

router = APIRouter(include_in_schema=False)
GROUPS_PER_PAGE = 50
FileField = Annotated[str, Form(max_length=40)]
Back = Annotated[str, Form(max_length=400)]


def _page(
    request: Request,
    caller: Caller,
    origin: str | None = None,
    shown: Shown = Shown.WAITING,
    operation: str | None = None,
    offset: int = 0,
    less: bool = False,
    error: str | None = None,
    status: int = 200,
) -> Response:
    queue = grading_queue(
        database(request),
        caller.actor,
        origin,
        shown,
        operation,
        settings(request).grading_choices,
        offset,
        GROUPS_PER_PAGE,
    )
    query = {"origin": queue.origin, "shown": queue.shown, "operation": operation or ""}
    if less:
        query["less"] = "true"
    here = "/grading?" + urlencode(query | {"offset": offset})
    return render(
        request,
        "grading.html",
        caller,
        status,
        queue=queue,
        showns=list(Shown),
        operation=operation or "",
        offset=offset,
        page=GROUPS_PER_PAGE,
        query="&" + urlencode(query),
        here=here,
        less=less,
        error=error,
    )


@router.get("/grading")
def grading_page(
    request: Request,
    caller: PageCaller,
    origin: Annotated[str | None, Query(max_length=16)] = None,
    shown: Shown = Shown.WAITING,
    operation: Annotated[str | None, Query(max_length=120)] = None,
    offset: Offset = 0,
    less: bool = False,
) -> Response:
    return _page(request, caller, origin, shown, operation or None, offset, less)


@router.get("/grading/scan-files/{scan_file_id}/thumbnail")
def grading_picture(
    request: Request, caller: PageCaller, scan_file_id: RecordId, reveal: bool = False
) -> Response:
    file = f"scan:{scan_file_id}"
    picture = graded_files.file_thumbnail(database(request), caller.actor, file, reveal)
    return Response(picture, media_type="image/png", headers={"Cache-Control": "no-store"})


def _step(
    request: Request,
    caller: Caller,
    csrf: str | None,
    back: str,
    work: Callable[[Database, Actor], object],
) -> Response:
    """A step from one of the page's forms: back to where it was posted from on success, the
    queue drawn again with the reason when refused (409, 422)."""
    db = database(request)
    return changed(
        request,
        caller,
        csrf,
        lambda: work(db, caller.actor),
        _local(back),
        lambda error, status: _page(request, caller, error=error, status=status),
    )


def _with_store(request: Request, work: Callable[[KnownHashStore], object]) -> object:
    with KnownHashStore(settings(request).hashset_store) as store:
        return work(store)


@router.post("/grading/votes")
def vote(
    request: Request,
    caller: PageCaller,
    files: Annotated[list[str], Form(max_length=graded_files.MAX_FILES_PER_CALL)],
    category: Annotated[str, Form(max_length=30)],
    back: Back = "/grading",
    csrf: Csrf = None,
) -> Response:
    return _step(
        request,
        caller,
        csrf,
        back,
        lambda db, actor: graded_files.cast_votes(db, actor, files, category),
    )


@router.post("/grading/resolutions")
def resolve(
    request: Request,
    caller: PageCaller,
    file: FileField,
    category: Annotated[str, Form(max_length=30)],
    reason: Annotated[str, Form(max_length=graded_files.REASON_CHARS)] = "",
    back: Back = "/grading",
    csrf: Csrf = None,
) -> Response:
    return _step(
        request,
        caller,
        csrf,
        back,
        lambda db, actor: graded_files.resolve_dispute(db, actor, file, category, reason),
    )


@router.post("/grading/decisions")
def decide(
    request: Request,
    caller: PageCaller,
    file: FileField,
    decision: Annotated[str, Form(max_length=16)],
    reason: Annotated[str, Form(max_length=graded_files.REASON_CHARS)] = "",
    back: Back = "/grading",
    csrf: Csrf = None,
) -> Response:
    def work(db: Database, actor: Actor) -> object:
        return _with_store(
            request,
            lambda store: graded_files.decide_match(db, store, actor, file, decision, reason),
        )

    return _step(request, caller, csrf, back, work)


@router.post("/grading/decisions/undo")
def undo(
    request: Request,
    caller: PageCaller,
    file: FileField,
    back: Back = "/grading",
    csrf: Csrf = None,
) -> Response:
    def work(db: Database, actor: Actor) -> object:
        return _with_store(
            request, lambda store: graded_files.undo_decision(db, store, actor, file)
        )

    return _step(request, caller, csrf, back, work)


_TRISTATE = {"": None, "true": True, "false": False}  # a select's "unchanged" is left out


@router.post("/grading/flags")
def flags(
    request: Request,
    caller: PageCaller,
    files: Annotated[list[str], Form(max_length=graded_files.MAX_FILES_PER_CALL)],
    reason: Annotated[str, Form(max_length=graded_files.REASON_CHARS)] = "",
    victim_identified: Annotated[str, Form(max_length=8)] = "",
    series: Annotated[str | None, Form(max_length=200)] = None,
    new_material_: Annotated[str, Form(alias="new_material", max_length=8)] = "",
    back: Back = "/grading",
    csrf: Csrf = None,
) -> Response:
    """The flags form of a group: each select left at "unchanged" changes nothing; the new
    material select may also hand the question back to the rule."""
    changes: dict[str, object] = {}
    if victim_identified in ("true", "false"):
        changes["victim_identified"] = _TRISTATE[victim_identified]
    if series is not None:
        changes["series"] = series
    if new_material_ in ("true", "false", "rule"):
        changes["new_material"] = _TRISTATE.get(new_material_)
    return _step(
        request,
        caller,
        csrf,
        back,
        lambda db, actor: flag_files(db, actor, files, changes, reason),
    )


EXPORTS = ("vics", "vics-1.3", "icse", "csv")


@router.get("/grading/new-material")
def new_material_page(
    request: Request,
    caller: PageCaller,
    operation: Annotated[str | None, Query(max_length=120)] = None,
) -> Response:
    found = new_material(database(request), caller.actor, operation or None)
    formats = [f for f in hashset_formats() if f.name in EXPORTS]
    return render(
        request,
        "new_material.html",
        caller,
        files=found,
        operation=operation or "",
        formats=formats,
    )


@router.get("/grading/new-material/export")
def new_material_export(
    request: Request,
    caller: PageCaller,
    operation: Annotated[str | None, Query(max_length=120)] = None,
    fmt: Annotated[str, Query(alias="format", max_length=16)] = "vics",
    shape: Annotated[str, Query(max_length=8, pattern="^(hashset|case)$")] = "hashset",
) -> Response:
    """The new material as a file to send to the national database (audited)."""
    if fmt not in EXPORTS:
        raise Invalid(f"format: {fmt!r} is not one of {', '.join(EXPORTS)}")
    out = io.StringIO()
    uk_codes = parse_uk_codes(settings(request).uk_category_codes)
    export_new_material(
        database(request), caller.actor, out, operation or None, fmt, shape, uk_codes
    )
    suffix = "csv" if fmt in ("csv", "icse") else "json"
    name = f"new-material-{_slug(operation or 'all')}.{suffix}"
    return PlainTextResponse(
        out.getvalue(),
        media_type="text/csv" if suffix == "csv" else "application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-") or "all"

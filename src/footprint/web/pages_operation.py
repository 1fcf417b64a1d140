"""The operation page (the coordinator's): where its referrals stand, and the work that moves
them on — take in a referrals file, grade against hash sets, resolve subjects, allocate them,
load postcode data — each started as a job whose page follows its progress."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse

from footprint.operations.hashset_imports import hash_set_names
from footprint.operations.jobs import recent_jobs
from footprint.operations.pipeline_jobs import (
    PIPELINE_JOBS,
    operation_overview,
    start_allocation,
    start_grading,
    start_postcode_load,
    start_referral_import,
    start_resolution,
)
from footprint.security.permissions import Action, require
from footprint.web.callers import Caller, database, require_csrf, settings
from footprint.web.pages import Csrf, PageCaller
from footprint.web.rendering import render

router = APIRouter(include_in_schema=False)
OperationName = Annotated[str, PathParam(max_length=200)]
UPLOAD_CHUNK = 1 << 20


def save_upload(request: Request, file: UploadFile) -> Path:
    """The uploaded file under <var_dir>/uploads, named at random (never the client's name)."""
    uploads = settings(request).uploads_dir
    uploads.mkdir(parents=True, exist_ok=True)
    upload = uploads / f"{secrets.token_hex(16)}.upload"
    with upload.open("wb") as out:
        shutil.copyfileobj(file.file, out, UPLOAD_CHUNK)
    return upload


def _to_job(job_id: int) -> Response:
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/operations/{name}")
def operation_page(request: Request, caller: PageCaller, name: OperationName) -> Response:
    db = database(request)
    overview = operation_overview(db, caller.actor, name)
    return render(
        request,
        "operation.html",
        caller,
        overview=overview,
        sets=hash_set_names(settings(request).hashset_store),
        jobs=recent_jobs(db, caller.actor, PIPELINE_JOBS),
    )


def _started(request: Request, caller: Caller, csrf: str | None, action: Action) -> None:
    require_csrf(request, caller, csrf)
    require(caller.actor, action)  # before anything is written


@router.post("/operations/{name}/referrals")
def import_referrals(
    request: Request,
    caller: PageCaller,
    name: OperationName,
    file: Annotated[UploadFile, File()],
    csrf: Csrf = None,
) -> Response:
    _started(request, caller, csrf, Action.REFERRAL_IMPORT)
    upload = save_upload(request, file)
    db = database(request)
    limit = settings(request).import_memory_mb
    original = file.filename or "upload"
    return _to_job(start_referral_import(db, caller.actor, name, upload, original, limit))


@router.post("/operations/{name}/grade")
def grade(
    request: Request,
    caller: PageCaller,
    name: OperationName,
    sets: Annotated[list[str], Form(max_length=20)] = [],  # noqa: B006 (FastAPI copies it)
    csrf: Csrf = None,
) -> Response:
    _started(request, caller, csrf, Action.REFERRAL_GRADE)
    store = settings(request).hashset_store
    return _to_job(start_grading(database(request), caller.actor, name, store, sets))


@router.post("/operations/{name}/resolve")
def resolve(
    request: Request, caller: PageCaller, name: OperationName, csrf: Csrf = None
) -> Response:
    _started(request, caller, csrf, Action.SUBJECT_RESOLVE)
    return _to_job(start_resolution(database(request), caller.actor, name))


@router.post("/operations/{name}/allocate")
def allocate(
    request: Request, caller: PageCaller, name: OperationName, csrf: Csrf = None
) -> Response:
    _started(request, caller, csrf, Action.ALLOCATE)
    return _to_job(start_allocation(database(request), caller.actor, name))


@router.post("/postcodes")
def load_postcodes(
    request: Request,
    caller: PageCaller,
    file: Annotated[UploadFile, File()],
    format: Annotated[str, Form(max_length=10)] = "onspd",
    csrf: Csrf = None,
) -> Response:
    _started(request, caller, csrf, Action.POSTCODES_LOAD)
    upload = save_upload(request, file)
    db = database(request)
    limit = settings(request).import_memory_mb
    original = file.filename or "upload"
    return _to_job(start_postcode_load(db, caller.actor, upload, original, format, limit))

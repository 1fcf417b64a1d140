"""Pages for known-hash sets (counts per category, versions, an import with its progress) and
for the jobs that long work runs as."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Request, Response, UploadFile

from footprint.errors import Invalid
from footprint.hashsets.formats import ImportOptions, scheme_choices
from footprint.hashsets.model import SetKind, UnifiedCategory
from footprint.hashsets.schemes import parse_category_codes, parse_uk_codes
from footprint.operations.hashset_imports import hash_sets, start_import
from footprint.operations.jobs import get_job, recent_jobs
from footprint.security.permissions import Action, allows, require
from footprint.signals import DEFAULT_PDQ_RADIUS
from footprint.web.callers import Caller, database, require_csrf, settings
from footprint.web.pages import Csrf, PageCaller, changed, keep_typed
from footprint.web.pages_operation import save_upload
from footprint.web.rendering import render

# a refused import comes back filled in as it was sent (all but the file: no browser allows it)
router = APIRouter(include_in_schema=False, dependencies=[Depends(keep_typed)])
JobId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/hash-sets")
def hash_sets_page(request: Request, caller: PageCaller) -> Response:
    return _page(request, caller)


def _page(
    request: Request, caller: Caller, error: str | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "hash_sets.html",
        caller,
        status=status,
        error=error,
        sets=hash_sets(settings(request).hashset_store),
        jobs=recent_jobs(database(request), caller.actor, ("hashset-import",)),
        may_import=allows(caller.actor, Action.HASHSET_IMPORT),
        schemes=scheme_choices(),
        categories=list(UnifiedCategory),
        radius=DEFAULT_PDQ_RADIUS,
    )


@router.post("/hash-sets/import")
def import_hash_set(
    request: Request,
    caller: PageCaller,
    file: Annotated[UploadFile, File()],
    set_name: Annotated[str, Form(max_length=120)],
    scheme: Annotated[str, Form(max_length=20)] = "",
    ignore: Annotated[bool, Form()] = False,
    pdq_radius: Annotated[int, Form(ge=0, le=128)] = DEFAULT_PDQ_RADIUS,
    category: Annotated[UnifiedCategory, Form()] = UnifiedCategory.UNCATEGORISED,
    csrf: Csrf = None,
) -> Response:
    require_csrf(request, caller, csrf)
    require(caller.actor, Action.HASHSET_IMPORT)  # before the upload is written anywhere
    config = settings(request)

    def start() -> int:
        if scheme and scheme not in scheme_choices():
            raise Invalid(f"scheme: {scheme!r} is not one of {', '.join(scheme_choices())}")
        options = ImportOptions(
            scheme=scheme or None,
            kind=SetKind.IGNORE if ignore else None,
            pdq_radius=pdq_radius,
            uk_codes=parse_uk_codes(config.uk_category_codes),
            category_codes=parse_category_codes(config.category_codes),
            list_category=category,
        )
        return start_import(
            database(request),
            caller.actor,
            config.hashset_store,
            save_upload(request, file),
            file.filename or "upload",
            set_name,
            options,
            config.import_memory_mb,
        )

    return changed(
        request,
        caller,
        csrf,
        start,
        lambda job_id: f"/jobs/{job_id}",
        lambda error, status: _page(request, caller, error, status),
    )


@router.get("/jobs/{job_id}")
def job_page(request: Request, caller: PageCaller, job_id: JobId) -> Response:
    return render(request, "job.html", caller, job=get_job(database(request), caller.actor, job_id))

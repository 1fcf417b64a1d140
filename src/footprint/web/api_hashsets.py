"""The JSON API for known-hash sets (counts per category, versions), a known record with its
history and a person's correction of it, and jobs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from footprint.hashsets.corrections import MAX_SERIES
from footprint.hashsets.store import KnownHashStore
from footprint.operations.hashset_imports import HashSetSummary, hash_sets
from footprint.operations.jobs import JobView, get_job
from footprint.operations.known_records import KnownRecordView, correct_record, read_record
from footprint.web.answers import SerialisedRoute
from footprint.web.api import ERRORS, CallerDep, CsrfHeader
from footprint.web.callers import database, require_csrf, settings

router = APIRouter(
    prefix="/api/v1", tags=["hash sets"], responses=ERRORS, route_class=SerialisedRoute
)


@router.get("/hash-sets", response_model=list[HashSetSummary])
def sets(request: Request, caller: CallerDep) -> list[HashSetSummary]:
    """Every known-hash set with its version and records per category (no hashes)."""
    return hash_sets(settings(request).hashset_store)


SetName = Annotated[str, Path(min_length=1, max_length=120)]
Reference = Annotated[str, Path(min_length=1, max_length=200, description="record id or hash")]


class CorrectionIn(BaseModel):
    """The fields to correct (those left out stay as they are; null clears a flag or series)."""

    record: str = Field(min_length=1, max_length=200, description="record id or one of its hashes")
    reason: str = Field(min_length=1, max_length=400)
    category: str | None = Field(None, max_length=30)
    victim_identified: bool | None = None
    offender_identified: bool | None = None
    distributed: bool | None = None
    series: str | None = Field(None, max_length=MAX_SERIES)


class CorrectionOut(BaseModel):
    set_name: str
    version: int
    before: dict[str, object]
    after: dict[str, object]
    record: KnownRecordView


@router.get("/hash-sets/{set_name}/records/{reference}", response_model=KnownRecordView)
def known_record(
    request: Request, caller: CallerDep, set_name: SetName, reference: Reference
) -> KnownRecordView:
    """One record of a set, named by its record id or a hash, with every correction made to it
    (for those who may export the set)."""
    with KnownHashStore(settings(request).hashset_store) as store:
        return read_record(store, caller.actor, set_name, reference)


@router.post("/hash-sets/{set_name}/corrections", response_model=CorrectionOut)
def correction(
    request: Request,
    caller: CallerDep,
    set_name: SetName,
    body: CorrectionIn,
    csrf: CsrfHeader = None,
) -> CorrectionOut:
    """Correct a known record's category or flags, with a reason: kept in its history, the
    set's version moves on, audited."""
    require_csrf(request, caller, csrf)
    changes = {k: getattr(body, k) for k in body.model_fields_set - {"record", "reason"}}
    with KnownHashStore(settings(request).hashset_store) as store:
        change = correct_record(
            database(request), store, caller.actor, set_name, body.record, changes, body.reason
        )
        view = read_record(store, caller.actor, set_name, body.record)
    return CorrectionOut(
        set_name=set_name,
        version=change.version,
        before=change.before,
        after=change.after,
        record=view,
    )


@router.get("/jobs/{job_id}", response_model=JobView)
def job(
    request: Request, caller: CallerDep, job_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> JobView:
    """A job's progress and outcome (a hash-set import started from the pages)."""
    return get_job(database(request), caller.actor, job_id)

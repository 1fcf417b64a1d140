"""The JSON API for known-hash sets (counts per category, versions) and for jobs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from footprint.operations.hashset_imports import HashSetSummary, hash_sets
from footprint.operations.jobs import JobView, get_job
from footprint.web.answers import SerialisedRoute
from footprint.web.api import ERRORS, CallerDep
from footprint.web.callers import database, settings

router = APIRouter(
    prefix="/api/v1", tags=["hash sets"], responses=ERRORS, route_class=SerialisedRoute
)


@router.get("/hash-sets", response_model=list[HashSetSummary])
def sets(request: Request, caller: CallerDep) -> list[HashSetSummary]:
    """Every known-hash set with its version and records per category (no hashes)."""
    return hash_sets(settings(request).hashset_store)


@router.get("/jobs/{job_id}", response_model=JobView)
def job(
    request: Request, caller: CallerDep, job_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> JobView:
    """A job's progress and outcome (a hash-set import started from the pages)."""
    return get_job(database(request), caller.actor, job_id)

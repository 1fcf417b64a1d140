"""The JSON API for grading: the queue of near-duplicate groups, one file with its votes, votes
on a selection, a supervisor's resolution of a dispute, and an examiner's decision on a match
(confirmed, or rejected as a false positive) and its undo. Files are named "referral:<id>" or
"scan:<id>"; another force's file reads as not found."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from footprint.hashsets.store import KnownHashStore
from footprint.operations import graded_files
from footprint.operations.graded_files import MAX_FILES_PER_CALL, REASON_CHARS, GradeView
from footprint.operations.grading_queue import (
    GradingQueue,
    QueueFile,
    Shown,
    graded_file,
    grading_queue,
)
from footprint.operations.new_material import (
    MAX_SERIES,
    FlagsView,
    NewMaterialFile,
    flag_files,
    new_material,
)
from footprint.web.answers import SerialisedRoute
from footprint.web.api import ERRORS, CallerDep, CsrfHeader, Limit, Offset, RecordId
from footprint.web.callers import database, require_csrf, settings

router = APIRouter(
    prefix="/api/v1/grading", tags=["grading"], responses=ERRORS, route_class=SerialisedRoute
)
FileName = Annotated[str, Field(min_length=3, max_length=40, examples=["scan:12"])]
Reason = Annotated[str, Field(max_length=REASON_CHARS)]


class VotesIn(BaseModel):
    files: list[FileName] = Field(min_length=1, max_length=MAX_FILES_PER_CALL)
    category: str = Field(max_length=30, description="one of the unified categories")


class ResolutionIn(BaseModel):
    file: FileName
    category: str = Field(max_length=30)
    reason: Reason = Field(min_length=1)


class DecisionIn(BaseModel):
    file: FileName
    decision: str = Field(max_length=16, description="confirmed or rejected")
    reason: Reason = ""


class UndoIn(BaseModel):
    file: FileName


@router.get("/queue", response_model=GradingQueue)
def queue(
    request: Request,
    caller: CallerDep,
    origin: Annotated[str | None, Query(max_length=16)] = None,
    shown: Shown = Shown.WAITING,
    operation: Annotated[str | None, Query(max_length=120)] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> GradingQueue:
    """Near-duplicate groups of the reader's queue: the referrals' files for the coordinator's
    people, the force's own devices' files for a force's."""
    choices = settings(request).grading_choices
    return grading_queue(
        database(request), caller.actor, origin, shown, operation, choices, offset, limit
    )


@router.get("/scan-files/{scan_file_id}", response_model=QueueFile)
def scan_file(request: Request, caller: CallerDep, scan_file_id: RecordId) -> QueueFile:
    """A seized device's file as the queue shows it, with its votes."""
    return graded_file(database(request), caller.actor, f"scan:{scan_file_id}")


@router.get("/referral-files/{referral_file_id}", response_model=QueueFile)
def referral_file(request: Request, caller: CallerDep, referral_file_id: RecordId) -> QueueFile:
    """A referral's file as the queue shows it, with its votes (the coordinator's)."""
    return graded_file(database(request), caller.actor, f"referral:{referral_file_id}")


@router.post("/votes", response_model=list[GradeView])
def votes(
    request: Request, caller: CallerDep, body: VotesIn, csrf: CsrfHeader = None
) -> list[GradeView]:
    """The caller's vote on each file (a group, or a selection): all of them or none."""
    require_csrf(request, caller, csrf)
    return graded_files.cast_votes(database(request), caller.actor, body.files, body.category)


@router.post("/resolutions", response_model=GradeView)
def resolution(
    request: Request, caller: CallerDep, body: ResolutionIn, csrf: CsrfHeader = None
) -> GradeView:
    require_csrf(request, caller, csrf)
    return graded_files.resolve_dispute(
        database(request), caller.actor, body.file, body.category, body.reason
    )


@router.post("/decisions", response_model=GradeView)
def decision(
    request: Request, caller: CallerDep, body: DecisionIn, csrf: CsrfHeader = None
) -> GradeView:
    """Confirm a match, or reject it as a false positive (the reason is required): a rejected
    file's hashes go into the negative bank and are suppressed from then on."""
    require_csrf(request, caller, csrf)
    with KnownHashStore(settings(request).hashset_store) as store:
        return graded_files.decide_match(
            database(request), store, caller.actor, body.file, body.decision, body.reason
        )


@router.post("/decisions/undo", response_model=GradeView)
def undo(request: Request, caller: CallerDep, body: UndoIn, csrf: CsrfHeader = None) -> GradeView:
    require_csrf(request, caller, csrf)
    with KnownHashStore(settings(request).hashset_store) as store:
        return graded_files.undo_decision(database(request), store, caller.actor, body.file)


class FlagsIn(BaseModel):
    """The flags to set (those left out stay as they are; null clears one, and for
    new_material lets the rule decide again)."""

    files: list[FileName] = Field(min_length=1, max_length=MAX_FILES_PER_CALL)
    reason: Reason
    victim_identified: bool | None = None
    series: str | None = Field(None, max_length=MAX_SERIES)
    new_material: bool | None = None


@router.post("/flags", response_model=list[FlagsView])
def flags(
    request: Request, caller: CallerDep, body: FlagsIn, csrf: CsrfHeader = None
) -> list[FlagsView]:
    """Flag each file named: victim identified, series, new material; with a reason, audited,
    all of them or none."""
    require_csrf(request, caller, csrf)
    changes = {k: getattr(body, k) for k in body.model_fields_set - {"files", "reason"}}
    return flag_files(database(request), caller.actor, body.files, changes, body.reason)


@router.get("/new-material", response_model=list[NewMaterialFile])
def material(
    request: Request,
    caller: CallerDep,
    operation: Annotated[str | None, Query(max_length=120)] = None,
) -> list[NewMaterialFile]:
    """Files graded indecent that no known set holds, for the national database: the
    referrals' and every force's for the coordinator, a force's own devices' for a force."""
    return new_material(database(request), caller.actor, operation)

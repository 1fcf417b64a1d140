"""The JSON API for a force's daily casework: the officer in charge of a case and tasks with
owners and due days ("my tasks" with mine=true). Same services as the CLI and the pages."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from footprint.operations.case_view import CaseView
from footprint.operations.officers import assign_officer
from footprint.operations.tasks import TaskView, add_task, complete_task, list_tasks
from footprint.web.answers import SerialisedRoute
from footprint.web.api import ERRORS, CallerDep, CsrfHeader, Limit, Offset, RecordId
from footprint.web.callers import database, require_csrf

router = APIRouter(
    prefix="/api/v1", tags=["casework"], responses=ERRORS, route_class=SerialisedRoute
)


class OfficerIn(BaseModel):
    officer: str = Field(min_length=1, max_length=80, description="a username of the force")
    reason: str = Field(min_length=1, max_length=400)


class TaskIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    owner: str = Field(min_length=1, max_length=80, description="a username of the force")
    due_on: date


class TaskDone(BaseModel):
    note: str | None = Field(default=None, max_length=400)


@router.post("/cases/{case_id}/officer", response_model=CaseView)
def officer(
    request: Request, caller: CallerDep, case_id: RecordId, body: OfficerIn, csrf: CsrfHeader = None
) -> CaseView:
    """Hand the case to another of the force's investigators or supervisors, saying why (a
    force supervisor's call; the officers before stay on the case)."""
    require_csrf(request, caller, csrf)
    return assign_officer(database(request), caller.actor, case_id, body.officer, body.reason)


@router.post("/cases/{case_id}/tasks", response_model=CaseView)
def task(
    request: Request, caller: CallerDep, case_id: RecordId, body: TaskIn, csrf: CsrfHeader = None
) -> CaseView:
    require_csrf(request, caller, csrf)
    return add_task(database(request), caller.actor, case_id, body.title, body.owner, body.due_on)


@router.post("/tasks/{task_id}/done", response_model=TaskView)
def task_done(
    request: Request, caller: CallerDep, task_id: RecordId, body: TaskDone, csrf: CsrfHeader = None
) -> TaskView:
    """Mark a task done: its owner or one of the force's caseworkers."""
    require_csrf(request, caller, csrf)
    return complete_task(database(request), caller.actor, task_id, body.note)


@router.get("/tasks", response_model=list[TaskView])
def tasks(
    request: Request,
    caller: CallerDep,
    mine: Annotated[bool, Query(description="only the caller's own")] = False,
    owner: Annotated[str | None, Query(max_length=80)] = None,
    done: Annotated[bool, Query(description="those done, latest first")] = False,
    offset: Offset = 0,
    limit: Limit = 100,
) -> list[TaskView]:
    """Tasks the caller's organisation sees, open ones soonest due first."""
    who = caller.actor.username if mine else owner
    return list_tasks(database(request), caller.actor, who, done, offset, limit)

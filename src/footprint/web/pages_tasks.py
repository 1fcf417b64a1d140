"""The tasks page: a person's open tasks across their cases, soonest due first ("my tasks");
a force supervisor may look at anyone's in the force, and at those done. A task is marked done
here or on its case."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request, Response

from footprint.clock import service_day
from footprint.operations.tasks import complete_task, list_tasks
from footprint.security.permissions import Action, allows
from footprint.web.callers import Caller, database
from footprint.web.pages import PAGE, Csrf, Offset, PageCaller, RecordId, changed, keep_typed
from footprint.web.pages_cases import render_case
from footprint.web.rendering import render, render_error

# a refused form comes back filled in as it was sent (pages.keep_typed)
router = APIRouter(include_in_schema=False, dependencies=[Depends(keep_typed)])


@router.get("/tasks")
def task_list(
    request: Request,
    caller: PageCaller,
    owner: Annotated[str | None, Query(max_length=80)] = None,
    done: bool = False,
    offset: Offset = 0,
) -> Response:
    """Mine by default; another owner's, or everyone's (owner=*), for those who oversee."""
    return _tasks_page(request, caller, owner, done, offset)


def _tasks_page(
    request: Request,
    caller: Caller,
    owner: str | None = None,
    done: bool = False,
    offset: int = 0,
    error: str | None = None,
    status: int = 200,
) -> Response:
    oversees = allows(caller.actor, Action.CASE_ASSIGN) or caller.actor.is_coordinator
    who = (owner or "").strip() or caller.actor.username
    if who != caller.actor.username and not oversees:
        return render_error(request, 403, "tasks: a person sees their own tasks")
    listed = list_tasks(
        database(request), caller.actor, None if who == "*" else who, done, offset, PAGE + 1
    )
    return render(
        request,
        "tasks.html",
        caller,
        status=status,
        error=error,
        tasks=listed[:PAGE],
        owner=who,
        done=done,
        oversees=oversees,
        query=urlencode({"owner": who, "done": str(done).lower()}),
        offset=offset,
        page=PAGE,
        more=len(listed) > PAGE,
        today=service_day(),
    )


@router.post("/tasks/{task_id}/done")
def task_done(
    request: Request,
    caller: PageCaller,
    task_id: RecordId,
    note: Annotated[str | None, Form(max_length=400)] = None,
    back: Annotated[Literal["tasks", "case"], Form()] = "tasks",
    case_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
    csrf: Csrf = None,
) -> Response:
    """Done, then back where it was marked: the tasks page or the task's case; refused, that
    page again with the reason beside the task and its note as typed."""

    def again(error: str, status: int) -> Response:
        if back == "case" and case_id is not None:
            return render_case(request, caller, case_id, error, status)
        return _tasks_page(request, caller, error=error, status=status)

    return changed(
        request,
        caller,
        csrf,
        lambda: complete_task(database(request), caller.actor, task_id, note),
        lambda task: f"/cases/{task.case_id}" if back == "case" else "/tasks",
        again,
    )

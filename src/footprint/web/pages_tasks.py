"""The tasks page: a person's open tasks across their cases, soonest due first ("my tasks");
a force supervisor may look at anyone's in the force, and at those done. A task is marked done
here or on its case."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request, Response

from footprint.clock import service_day
from footprint.operations.tasks import complete_task, list_tasks
from footprint.security.permissions import Action, allows
from footprint.web.callers import database
from footprint.web.pages import PAGE, Csrf, Offset, PageCaller, RecordId, changed
from footprint.web.rendering import render, render_error

router = APIRouter(include_in_schema=False)


@router.get("/tasks")
def task_list(
    request: Request,
    caller: PageCaller,
    owner: Annotated[str | None, Query(max_length=80)] = None,
    done: bool = False,
    offset: Offset = 0,
) -> Response:
    """Mine by default; another owner's, or everyone's (owner=*), for those who oversee."""
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
    csrf: Csrf = None,
) -> Response:
    """Done, then back where it was marked: the tasks page or the task's case."""
    return changed(
        request,
        caller,
        csrf,
        lambda: complete_task(database(request), caller.actor, task_id, note),
        lambda task: f"/cases/{task.case_id}" if back == "case" else "/tasks",
        lambda error, status: render_error(request, status, error),
    )

"""Tasks on a case: a piece of work with an owner in the force and a day it is due (visit the
school, chase the warrant, examine the laptop). A task is done once, by its owner or one of
the force's caseworkers, and stays on the case; "my tasks" lists a person's open ones, soonest
due first. Every change is audited, and so is every list read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select

from footprint.clock import service_day
from footprint.errors import Conflict, Invalid
from footprint.operations.case_view import CaseView, case_view, stated, writable_case
from footprint.operations.officers import force_user
from footprint.operations.scoping import (
    held_by,
    held_record,
    paged,
    reader_bounds,
    scoped_unit_of_work,
)
from footprint.security import audit
from footprint.security.actor import AccessDenied, Actor
from footprint.security.permissions import Action, allows
from footprint.store import Database
from footprint.store.database import aware_utc
from footprint.store.models import CaseTask, Organisation

TITLE_CHARS = 200
NOTE_CHARS = 400
FURTHEST_DUE = timedelta(days=2 * 366)  # further than this ahead is taken for a mistyped year


@dataclass(frozen=True, slots=True)
class TaskView:
    id: int
    case_id: int
    force: str
    title: str
    owner: str
    due_on: date
    done_at: datetime | None
    done_by: str | None
    done_note: str | None

    @property
    def overdue(self) -> bool:
        return self.done_at is None and self.due_on < service_day()


def checked_title(title: str) -> str:
    return stated(" ".join(title.split()), "title", TITLE_CHARS, "say what is to be done")


def checked_due(due_on: date, today: date) -> date:
    if due_on < today:
        raise Invalid(f"due_on: {due_on.isoformat()} has passed (today is {today.isoformat()})")
    if due_on > today + FURTHEST_DUE:
        raise Invalid(f"due_on: {due_on.isoformat()} is more than two years ahead")
    return due_on


def add_task(
    db: Database, actor: Actor, case_id: int, title: str, owner: str, due_on: date
) -> CaseView:
    """A task on the case for one of its force's people, due on a day not yet passed."""
    text = checked_title(title)
    checked_due(due_on, service_day())
    with scoped_unit_of_work(db, actor, "case", case_id) as session:
        case = writable_case(session, actor, case_id)
        user = force_user(session, owner, case.force_id, "owner")
        task = CaseTask(
            case_id=case.id,
            force_id=case.force_id,
            title=text,
            owner=user.username,
            due_on=due_on,
            created_at=datetime.now(UTC),
            created_by=actor.username,
        )
        session.add(task)
        session.flush()
        audit.record(
            session,
            actor,
            "case.task",
            "case",
            case.id,
            task=task.id,
            owner=user.username,
            due_on=due_on.isoformat(),
        )
        return case_view(session, case)


def complete_task(db: Database, actor: Actor, task_id: int, note: str | None = None) -> TaskView:
    """Mark a task done: its owner may, and so may the force's caseworkers."""
    said = (note or "").strip() or None
    if said is not None and len(said) > NOTE_CHARS:
        raise Invalid(f"note: at most {NOTE_CHARS} characters")
    with scoped_unit_of_work(db, actor, "task", task_id) as session:
        task = held_record(session, actor, CaseTask, task_id, "task")
        if task.owner != actor.username and not allows(actor, Action.CASE_RECORD):
            raise AccessDenied(
                f"task {task_id}: only its owner ({task.owner}) or the force's caseworkers "
                "may mark it done"
            )
        if task.done_at is not None:
            raise Conflict(f"task {task_id}: already done by {task.done_by}")
        task.done_at, task.done_by, task.done_note = datetime.now(UTC), actor.username, said
        audit.record(session, actor, "case.task-done", "case", task.case_id, task=task_id)
        return _view(task, task.force.code)


def list_tasks(
    db: Database,
    actor: Actor,
    owner: str | None = None,
    done: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> list[TaskView]:
    """Tasks the reader's organisation sees (open ones, or with `done` those done), soonest due
    first; `owner` keeps to one person's ("my tasks" is the reader's own username)."""
    query = _task_list(actor.is_coordinator, owner is not None, done)
    bounds = reader_bounds(actor, offset, limit, owner=(owner or "").strip())
    with audit.reading(db) as session:
        tasks = [_view(task, code) for task, code in session.execute(query, bounds)]
        audit.record_read(
            session, actor, "task.list", "task", "*", count=len(tasks), owner=owner, done=done
        )
    return tasks


@cache
def _task_list(coordinator: bool, one_owner: bool, done: bool) -> Select[Any]:
    """Built once for each kind of reader and filter."""
    query = (
        select(CaseTask, Organisation.code)
        .join(Organisation, Organisation.id == CaseTask.force_id)
        .where(*held_by(CaseTask.force_id, coordinator))
        .where(CaseTask.done_at.is_not(None) if done else CaseTask.done_at.is_(None))
    )
    if one_owner:
        query = query.where(CaseTask.owner == bindparam("owner"))
    first = CaseTask.done_at.desc() if done else CaseTask.due_on
    return paged(query.order_by(first, CaseTask.id))


def _view(task: CaseTask, force: str) -> TaskView:
    return TaskView(
        task.id,
        task.case_id,
        force,
        task.title,
        task.owner,
        task.due_on,
        None if task.done_at is None else aware_utc(task.done_at),
        task.done_by,
        task.done_note,
    )

"""`footprint tasks ...`: tasks on a force's cases, with owners and due days."""

from __future__ import annotations

from datetime import date

import typer
from rich.table import Table

from footprint.cli.admin import current_actor, open_database
from footprint.cli.common import console, fail
from footprint.clock import service_day, uk_day
from footprint.operations.tasks import add_task, complete_task, list_tasks

tasks_app = typer.Typer(help="Tasks on cases: who does what by when.", no_args_is_help=True)


@tasks_app.command("list")
def tasks_list(
    owner: str | None = typer.Option(None, "--owner", help="Someone else's (default: yours)."),
    everyone: bool = typer.Option(False, "--all", help="Everyone's in your force."),
    done: bool = typer.Option(False, "--done", help="Those done, latest first."),
) -> None:
    """Your open tasks, soonest due first (overdue marked)."""
    with open_database() as db:
        actor = current_actor(db)
        who = None if everyone else (owner or actor.username)
        tasks = list_tasks(db, actor, who, done)
    table = Table("task", "due", "case", "owner", "what", "done" if done else "state")
    for task in tasks:
        state = "[red]overdue[/]" if task.overdue else "open"
        if task.done_at is not None:
            state = f"{uk_day(task.done_at)} by {task.done_by}"
        table.add_row(
            str(task.id), uk_day(task.due_on), str(task.case_id), task.owner, task.title, state
        )
    console.print(table)


@tasks_app.command("add")
def tasks_add(
    case_id: int = typer.Argument(...),
    title: str = typer.Argument(..., help="What is to be done."),
    owner: str | None = typer.Option(None, "--owner", help="A username of the force (you)."),
    due: str = typer.Option(..., "--due", help="The day it is due, YYYY-MM-DD."),
) -> None:
    """Give someone in the force a task on a case, due on a day not yet passed."""
    try:
        due_on = date.fromisoformat(due)
    except ValueError:
        fail(f"--due {due!r}: expected YYYY-MM-DD (today is {service_day().isoformat()})")
    with open_database() as db:
        actor = current_actor(db)
        view = add_task(db, actor, case_id, title, owner or actor.username, due_on)
    task = max(view.tasks, key=lambda t: t["id"])  # the one just added
    console.print(f"task {task['id']} on case {case_id} for {task['owner']}, due {uk_day(due_on)}")


@tasks_app.command("done")
def tasks_done(
    task_id: int = typer.Argument(...),
    note: str | None = typer.Option(None, "--note", help="What came of it."),
) -> None:
    """Mark a task done (its owner, or one of the force's caseworkers)."""
    with open_database() as db:
        task = complete_task(db, current_actor(db), task_id, note)
    console.print(f"task {task.id} on case {task.case_id} done")

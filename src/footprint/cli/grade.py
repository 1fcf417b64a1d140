"""`footprint grade ...`: the grading queue from a terminal, over the same service as the web
page and the API (votes, a supervisor's resolution, a match confirmed or rejected, an undo).
Files are named referral:<id> or scan:<id>, as `grade queue` lists them."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from footprint.cli.admin import current_actor, open_database
from footprint.cli.common import console, open_store, settings
from footprint.operations import graded_files
from footprint.operations.graded_files import GradeView
from footprint.operations.grading_queue import Shown, grading_queue

grade_app = typer.Typer(
    help="Grading: the queue of unknown files, votes, disputes, false positives.",
    no_args_is_help=True,
)


def _said(view: GradeView) -> None:
    category = f" {view.category}" if view.category else ""
    decision = f" (match {view.decision})" if view.decision else ""
    console.print(f"{view.file}: {view.status}{category}{decision}, {len(view.votes)} vote(s)")


@grade_app.command("queue")
def queue(
    shown: Shown = typer.Option(Shown.WAITING, help="Which files."),
    origin: str | None = typer.Option(None, help="referral or scan (default: your own queue)."),
    operation: str | None = typer.Option(None, help="Only this operation's referrals."),
    offset: int = typer.Option(0, min=0),
    limit: int = typer.Option(50, min=1, max=1000),
) -> None:
    """Near-duplicate groups of your queue: grade a group with `grade vote` and its files."""
    with open_database() as db:
        view = grading_queue(
            db,
            current_actor(db),
            origin,
            shown,
            operation,
            settings().grading_choices,
            offset,
            limit,
        )
    table = Table("group", "status", "files", "where", "known / hint", "votes")
    for group in view.groups:
        votes = {f"{v.grader}:{v.category}" for f in group.files for v in f.votes}
        table.add_row(
            group.key,
            group.status + (f" {group.category}" if group.category else ""),
            escape(" ".join(f.file for f in group.files)),
            escape(group.files[0].where),
            escape(group.files[0].hint or ""),
            escape(", ".join(sorted(votes))),
        )
    console.print(table)
    choices = " · ".join(f"{c.key} {c.category}" for c in view.choices)
    console.print(
        f"{view.total_files:,} file(s) in {view.total_groups:,} group(s) ({view.origin}, "
        f"{view.shown}); categories: {choices}"
    )


@grade_app.command("vote")
def vote(
    category: str = typer.Argument(..., help="A, B, C, indecent-uncategorised, ..."),
    files: list[str] = typer.Argument(..., help="The files (a group's, or a selection)."),
) -> None:
    """Your vote on each file named: all of them or none."""
    with open_database() as db:
        views = graded_files.cast_votes(db, current_actor(db), files, category)
    for view in views:
        _said(view)


@grade_app.command("resolve")
def resolve(
    file: str = typer.Argument(...),
    category: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", help="Why (kept with the grade)."),
) -> None:
    """Settle a disputed file (a supervisor)."""
    with open_database() as db:
        _said(graded_files.resolve_dispute(db, current_actor(db), file, category, reason))


def _decide(file: str, decision: str, reason: str) -> None:
    with open_store(settings()) as store, open_database() as db:
        _said(graded_files.decide_match(db, store, current_actor(db), file, decision, reason))


@grade_app.command("confirm")
def confirm(file: str = typer.Argument(...), reason: str = typer.Option("", "--reason")) -> None:
    """Confirm the detection engine's match of a file."""
    _decide(file, "confirmed", reason)


@grade_app.command("reject")
def reject(
    file: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", help="Why it is a false positive."),
) -> None:
    """Reject a match as a false positive: the file's hashes go into the negative bank and are
    suppressed in every later match; the file goes to the graders."""
    _decide(file, "rejected", reason)


@grade_app.command("undo")
def undo(file: str = typer.Argument(...)) -> None:
    """Take back a confirmation or rejection (a rejected file's hashes leave the bank)."""
    with open_store(settings()) as store, open_database() as db:
        _said(graded_files.undo_decision(db, store, current_actor(db), file))

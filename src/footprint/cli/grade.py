"""`footprint grade ...`: the grading queue from a terminal, over the same service as the web
page and the API (votes, a supervisor's resolution, a match confirmed or rejected, an undo).
Files are named referral:<id> or scan:<id>, as `grade queue` lists them."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from footprint.cli.admin import current_actor, open_database
from footprint.cli.common import console, fail, open_store, settings, uk_codes
from footprint.operations import graded_files
from footprint.operations.graded_files import GradeView
from footprint.operations.grading_queue import Shown, grading_queue
from footprint.operations.new_material import export_new_material, flag_files, new_material

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


@grade_app.command("flag")
def flag(
    files: list[str] = typer.Argument(..., help="Files: referral:<id> or scan:<id>."),
    reason: str = typer.Option(..., "--reason", help="Why: audited with the change."),
    victim_identified: bool | None = typer.Option(
        None, "--victim-identified/--victim-not-identified"
    ),
    series: str | None = typer.Option(None, help="The series ('' clears it)."),
    new_material: bool | None = typer.Option(
        None, "--new-material/--not-new-material", help="Override the rule for these files."
    ),
    by_rule: bool = typer.Option(
        False, "--new-material-by-rule", help="Let the rule decide again (undo an override)."
    ),
) -> None:
    """Flag files: victim identified, series, new material (all of them or none)."""
    asked: dict[str, object] = {
        "victim_identified": victim_identified,
        "series": series,
        "new_material": new_material,
    }
    changes = {k: v for k, v in asked.items() if v is not None}
    if by_rule:
        changes["new_material"] = None
    with open_database() as db:
        views = flag_files(db, current_actor(db), files, changes, reason)
    for view in views:
        console.print(
            f"{view.file}: victim identified {view.victim_identified}, series "
            f"{escape(repr(view.series))}, new material {view.new_material} "
            f"(by {view.new_material_by})"
        )


@grade_app.command("new-material")
def new_material_(
    operation: str | None = typer.Option(None, help="Only this operation's (default: all)."),
    out: Path | None = typer.Option(None, "--out", help="Write it here to send on."),
    fmt: str = typer.Option("vics", "--format", help="vics, vics-1.3, icse or csv."),
    shape: str = typer.Option("hashset", help="VICS shape: hashset or case."),
) -> None:
    """The new material you may see: graded indecent, known to no set. With --out, written in a
    hash-set format for the national database (the file appears whole or not at all)."""
    if out is None:
        with open_database() as db:
            found = new_material(db, current_actor(db), operation)
        table = Table("file", "category", "where", "name", "md5", "victim", "series")
        for item in found:
            table.add_row(
                item.file,
                item.category,
                escape(item.where),
                escape(item.name),
                item.signals.get("md5", ""),
                str(item.victim_identified),
                escape(item.series or ""),
            )
        console.print(table)
        return
    if shape not in ("hashset", "case"):
        fail(f"--shape {shape!r}: choose hashset or case")
    codes = uk_codes()
    tmp = out.with_name(out.name + ".partial")
    try:
        with open_database() as db, tmp.open("w", encoding="utf-8") as stream:
            actor = current_actor(db)
            count = export_new_material(db, actor, stream, operation, fmt, shape, codes)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    console.print(f"wrote {count:,} files of new material to {out}")

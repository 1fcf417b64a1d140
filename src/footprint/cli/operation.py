"""`footprint operation create|list` and `footprint referrals import`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from footprint.cli.admin import current_actor, open_database
from footprint.cli.common import (
    ExitCode,
    console,
    err_console,
    fail,
    open_store,
    settings,
    show_skipped,
)
from footprint.operations.grading import grade_operation
from footprint.operations.intake import import_referrals
from footprint.operations.service import create_operation, list_operations

operation_app = typer.Typer(help="Coordinated operations.", no_args_is_help=True)
referrals_app = typer.Typer(help="Referral intake.", no_args_is_help=True)


def _date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{name} {value!r}: expected YYYY-MM-DD")


@operation_app.command("create")
def create(
    name: str = typer.Argument(...),
    starts: str = typer.Option(..., help="First day, YYYY-MM-DD."),
    ends: str | None = typer.Option(None, help="Last day, YYYY-MM-DD."),
    force: list[str] = typer.Option([], "--force", help="Taking part (GSS code); default: all 45."),
    status: str = typer.Option("active", help="planned, active or closed."),
) -> None:
    """Create an operation (the coordinator's act; audited)."""
    starts_on = _date(starts, "--starts")
    assert starts_on is not None
    ends_on = _date(ends, "--ends")
    with open_database() as db, db.unit_of_work() as session:
        view = create_operation(session, current_actor(db), name, starts_on, force, ends_on, status)
    console.print(
        f"created operation {view.name} ({len(view.forces)} forces, from {view.starts_on})"
    )


@operation_app.command("list")
def list_() -> None:
    """List operations."""
    table = Table("name", "status", "starts", "ends", "forces")
    with open_database() as db, db.unit_of_work() as session:
        for view in list_operations(session, current_actor(db)):
            ends = str(view.ends_on or "")
            table.add_row(view.name, view.status, str(view.starts_on), ends, str(len(view.forces)))
    console.print(table)


@referrals_app.command("import")
def import_(
    files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    operation: str = typer.Option(..., "--operation", help="The operation they belong to."),
    report_path: Path | None = typer.Option(
        None, "--report", help="Write full reports (JSON) here."
    ),
) -> None:
    """Take in referrals: NCMEC CyberTipline reports as XML, CyberTipline-shaped JSON (array,
    {"referrals": [...]} or JSON Lines) or a peer-to-peer observation CSV. Bad records are
    listed; re-importing changes nothing."""
    reports = []
    with open_database() as db:
        actor = current_actor(db)
        for path in files:
            with console.status(f"importing {path}..."):
                report = import_referrals(db, actor, operation, path)
            reports.append(report)
            console.print(
                f"{path} ({report.format}): {report.imported:,} imported, "
                f"{report.already_present:,} already present, {len(report.skipped):,} skipped"
            )
            show_skipped(report.skipped)
            if report.error:
                err_console.print(f"[bold red]error:[/] {report.error}")
    if report_path:
        report_path.write_text(json.dumps([r.as_dict() for r in reports], indent=2))
    if any(r.skipped or r.error for r in reports):
        raise typer.Exit(int(ExitCode.IMPORT_SKIPPED))


@referrals_app.command("grade")
def grade(
    operation: str = typer.Option(..., "--operation", help="The operation whose files to grade."),
    against: str = typer.Option(..., help="Comma-separated hash sets to match against."),
) -> None:
    """Grade every ungraded referral file against known-hash sets; unknown files are queued for
    human grading (three independent, undisputed votes settle a grade)."""
    sets = [s.strip() for s in against.split(",") if s.strip()]
    store = open_store(settings())
    try:
        with open_database() as db, console.status("grading..."):
            report = grade_operation(db, store, current_actor(db), operation, sets)
    finally:
        store.close()
    matched = ", ".join(f"{c} {n:,}" for c, n in sorted(report.matched.items())) or "none"
    console.print(
        f"graded {report.files:,} files: matched {matched}; queued for human grading "
        f"{report.queued:,}; cleared (known only to ignore sets) {report.cleared:,}; "
        f"suppressed by ignore sets {report.suppressed:,}"
    )

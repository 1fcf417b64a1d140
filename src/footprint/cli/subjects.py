"""`footprint subjects`, `postcodes`, `allocate`, `risk` and `packages`: from referrals resolved
into subjects to the intelligence packages forces receive."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import typer
from rich.table import Table

from footprint.cli.admin import current_actor, open_database
from footprint.cli.common import ExitCode, console, fail, settings, show_skipped
from footprint.clock import uk_time
from footprint.geo.forces import named
from footprint.operations.allocation import allocate_operation, allocation_queue, assign_manually
from footprint.operations.assessments import RiskView, assess_subject, current_risk, override_risk
from footprint.operations.package_list import PACKAGE_ORDERS, PackageFilter, list_packages
from footprint.operations.packages import (
    PackageView,
    acknowledge_package,
    get_package,
    issue_package,
    transfer_package,
)
from footprint.operations.pipeline_jobs import load_postcode_file
from footprint.operations.resolution import DEFAULT_IP_WINDOW
from footprint.operations.risk import TYPED_FACTORS, Band, RiskModel
from footprint.operations.subjects import lookup_identifier, resolve_subjects, undo_merge

subjects_app = typer.Typer(
    help="Subjects: resolution, merges, deconfliction.", no_args_is_help=True
)


@subjects_app.command("resolve")
def resolve(
    operation: str = typer.Option(..., "--operation"),
    ip_window: int = typer.Option(
        int(DEFAULT_IP_WINDOW.total_seconds()),
        "--ip-window-seconds",
        min=0,
        help="IP+port link window.",
    ),
) -> None:
    """Resolve the operation's referrals into subjects (shared e-mail, phone, ESP account, device
    id, or IP + port within the window); merges are recorded with their reasons."""
    with open_database() as db:
        report = resolve_subjects(db, current_actor(db), operation, timedelta(seconds=ip_window))
    console.print(
        f"{report.subjects_created:,} subjects created, {report.merges:,} merges, "
        f"{report.referrals_attached:,} referrals attached"
    )


@subjects_app.command("unmerge")
def unmerge(merge_id: int = typer.Argument(...)) -> None:
    """Undo a merge: the absorbed subject gets its referrals back and is never re-merged."""
    with open_database() as db:
        undo_merge(db, current_actor(db), merge_id)
    console.print(f"merge {merge_id} undone")


@subjects_app.command("lookup")
def lookup(
    kind: str = typer.Argument(
        ..., help="email, phone, esp_account, device_id, screen_name, ..., postcode, ip, md5, pdq"
    ),
    value: str = typer.Argument(...),
) -> None:
    """Deconfliction: every operation, subject and referral an identifier, postcode, IP address
    or file hash appears in."""
    with open_database() as db:
        hits = lookup_identifier(db, current_actor(db), kind, value)
    table = Table("operation", "subject", "referral")
    for hit in hits:
        table.add_row(hit.operation, str(hit.subject_id or "unresolved"), hit.referral)
    console.print(table if hits else f"{kind} {value!r}: not seen in any referral")


@subjects_app.command("assign")
def assign(
    subject_id: int = typer.Argument(...),
    force: str = typer.Option(..., "--force", help="GSS code of the receiving force."),
    reason: str = typer.Option(..., "--reason", help="Why (recorded and audited)."),
) -> None:
    """Allocate a subject to a force by hand (the last resolver in the chain)."""
    with open_database() as db:
        assign_manually(db, current_actor(db), subject_id, force, reason)
    console.print(f"subject {subject_id} allocated to {force}")


postcodes_app = typer.Typer(help="Postcode to police force area data.", no_args_is_help=True)


@postcodes_app.command("load")
def load(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    fmt: str = typer.Option(
        "onspd", "--format", help="onspd (pcds, pfa columns) or table (postcode, pfa)."
    ),
) -> None:
    """Load the ONS Postcode Directory or an explicit table; later loads replace earlier rows."""
    with open_database() as db, console.status(f"loading {path}..."):
        report = load_postcode_file(db, current_actor(db), path, fmt)
    console.print(
        f"{path} ({fmt}): {report.loaded:,} postcodes loaded, {len(report.skipped):,} skipped"
    )
    show_skipped(report.skipped, "skipped line")
    if report.skipped:
        raise typer.Exit(int(ExitCode.IMPORT_SKIPPED))


def allocate(operation: str = typer.Option(..., "--operation")) -> None:
    """Allocate the operation's subjects to forces by postcode; list those left in the queue."""
    with open_database() as db:
        actor = current_actor(db)
        report = allocate_operation(db, actor, operation)
        queue = allocation_queue(db, actor, operation)
    placed = ", ".join(f"{code} {n:,}" for code, n in sorted(report.allocated.items())) or "none"
    console.print(f"allocated: {placed}; waiting in the queue: {len(queue):,}")
    table = Table("subject", "why it waits")
    for subject_id, why in queue:
        table.add_row(str(subject_id), why)
    if queue:
        console.print(table)


risk_app = typer.Typer(help="Risk to children: assess, override, show.", no_args_is_help=True)


def _risk_model() -> RiskModel:
    path = settings().risk_model
    if path is None:
        return RiskModel()
    try:
        return RiskModel.from_toml(path)
    except (OSError, ValueError) as exc:
        fail(f"risk_model: {exc}")


def _print_risk(view: RiskView) -> None:
    override = (
        f" (assessed {view.assessed_band}, overridden: {view.override_reason})"
        if view.override_reason
        else ""
    )
    deadline = uk_time(view.deadline)
    console.print(f"subject {view.subject_id}: {view.band}{override}; act by {deadline}")
    for reason in view.reasons:
        console.print(f"  {reason}")


@risk_app.command("assess")
def risk_assess(
    subject_id: int = typer.Argument(...),
    factor: list[str] = typer.Option(
        [],
        "--factor",
        help=f"Repeat; one of: {', '.join(TYPED_FACTORS)} (category A: from the evidence).",
    ),
) -> None:
    """Assess a subject; prints the band, the deadline and every reason."""
    model = _risk_model()
    with open_database() as db:
        view = assess_subject(db, current_actor(db), subject_id, set(factor), model)
    _print_risk(view)


@risk_app.command("override")
def risk_override(
    subject_id: int = typer.Argument(...),
    band: Band = typer.Option(..., "--band"),
    reason: str = typer.Option(..., "--reason", help="Why the officer's judgement differs."),
) -> None:
    """Override the assessed band with a recorded reason; the deadline follows the new band."""
    model = _risk_model()
    with open_database() as db:
        view = override_risk(db, current_actor(db), subject_id, band, reason, model)
    _print_risk(view)


@risk_app.command("show")
def risk_show(subject_id: int = typer.Argument(...)) -> None:
    """The assessment in force for a subject."""
    with open_database() as db:
        view = current_risk(db, current_actor(db), subject_id)
    if view is None:
        fail(f"subject {subject_id}: not assessed yet")
    _print_risk(view)


packages_app = typer.Typer(help="Intelligence packages to forces.", no_args_is_help=True)


def _print_package(view: PackageView) -> None:
    console.print(
        f"package {view.id}: subject {view.subject_id} -> {named(view.force)}, {view.status}, "
        f"act by {uk_time(view.deadline)}"
    )


@packages_app.command("issue")
def package_issue(
    subject_id: int = typer.Argument(...),
    second_reason: str | None = typer.Option(
        None, "--second-reason", help="Why, when the subject already has a package open."
    ),
) -> None:
    """Issue a package (frozen snapshot) for an allocated, risk-assessed subject."""
    with open_database() as db:
        view = issue_package(db, current_actor(db), subject_id, second_reason)
    _print_package(view)


@packages_app.command("list")
def package_list(
    status: str | None = typer.Option(None, help="issued or acknowledged"),
    band: str | None = typer.Option(None, help="Only this risk band."),
    due: str | None = typer.Option(None, help="awaiting (deadline to meet) or overdue"),
    force: str | None = typer.Option(None, help="Only this force's (ONS code)."),
    sort: str = typer.Option(
        "deadline", help=f"One of {', '.join(PACKAGE_ORDERS)}; a leading - reverses."
    ),
) -> None:
    """Packages you may see (a force: those it holds), soonest deadline first."""
    with open_database() as db:
        wanted = PackageFilter.checked(status, band, due, force)
        rows = list_packages(db, current_actor(db), wanted, sort=sort)
    table = Table("package", "subject", "force", "status", "risk", "act by", "case")
    for row in rows:
        deadline = uk_time(row.deadline) + (" [red]overdue[/]" if row.overdue else "")
        case = f"{row.case_id} ({row.case_state})" if row.case_id else "not acknowledged"
        table.add_row(
            str(row.id),
            str(row.subject_id),
            named(row.force),
            row.status,
            row.risk_band,
            deadline,
            case,
        )
    console.print(table)


@packages_app.command("show")
def package_show(package_id: int = typer.Argument(...)) -> None:
    """A package's snapshot as JSON (counts per category, never imagery)."""
    with open_database() as db:
        view = get_package(db, current_actor(db), package_id)
    _print_package(view)
    console.print_json(json.dumps(view.snapshot))


@packages_app.command("acknowledge")
def package_acknowledge(package_id: int = typer.Argument(...)) -> None:
    """The receiving force confirms it holds the package (run as one of its users)."""
    with open_database() as db:
        view = acknowledge_package(db, current_actor(db), package_id)
    _print_package(view)


@packages_app.command("transfer")
def package_transfer(
    package_id: int = typer.Argument(...),
    to: str = typer.Option(..., "--to", help="GSS code of the force taking it over."),
    reason: str = typer.Option(..., "--reason"),
) -> None:
    """Transfer a package and its subject to another force, with a reason."""
    with open_database() as db:
        view = transfer_package(db, current_actor(db), package_id, to, reason)
    _print_package(view)

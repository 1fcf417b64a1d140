"""`footprint case ...` (a force's investigation) and `footprint figures`."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from footprint.cli.admin import current_actor, open_database
from footprint.cli.common import console, err_console, fail
from footprint.clock import service_day, uk_day, uk_time
from footprint.geo.forces import named, organisation_name
from footprint.operations import cases, device_scans
from footprint.operations.bail import bail_expiring, extend_bail, start_bail
from footprint.operations.case_file import case_file, case_file_html
from footprint.operations.case_view import CaseView
from footprint.operations.figures import MEASURES, list_releases, publish_figures
from footprint.operations.officers import assign_officer
from footprint.operations.outcome_record import Outcome, record_outcome
from footprint.operations.outcomes import (
    BAIL_REVIEW_DAYS,
    USUAL_BAIL_CONDITIONS,
    AgeBand,
    Offence,
    Relationship,
    SafeguardingKind,
    bail_condition,
)
from footprint.operations.withdrawals import withdraw_entry

case_app = typer.Typer(help="Cases: workflow, outcomes, bail, safeguarding.", no_args_is_help=True)


def _day(value: str | None, name: str) -> date:
    if value is None:
        return service_day()
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{name} {value!r}: expected YYYY-MM-DD")


def _print_case(view: CaseView) -> None:
    steps = ", ".join(view.allowed_next) or "none"
    console.print(
        f"case {view.id}: subject {view.subject_id}, {named(view.force)}, [bold]{view.state}[/]"
        f" (next: {steps})"
    )


@case_app.command("list")
def case_list(
    state: str | None = typer.Option(None, help="Only cases in this state."),
    officer: str | None = typer.Option(None, help="Only this officer's cases."),
    mine: bool = typer.Option(False, "--mine", help="Only your open cases."),
    force: str | None = typer.Option(None, help="Only this force's (ONS code)."),
    band: str | None = typer.Option(None, help="Only this risk band."),
    still_open: bool = typer.Option(False, "--open", help="Only cases still open."),
    sort: str = typer.Option(
        "case", help=f"One of {', '.join(cases.CASE_ORDERS)}; a leading - reverses."
    ),
) -> None:
    """Cases you may see (a force: its own)."""
    with open_database() as db:
        actor = current_actor(db)
        wanted = cases.CaseFilter.checked(
            state, actor.username if mine else officer, force, band, still_open or mine
        )
        views = cases.list_cases(db, actor, wanted, sort=sort)
    table = Table("case", "subject", "force", "state", "risk", "opened", "officer", "next steps")
    for view in views:
        table.add_row(
            str(view.id),
            str(view.subject_id),
            named(view.force),
            view.state,
            view.risk_band or "",
            uk_day(view.opened_at) if view.opened_at else "",
            view.officer or "",
            ", ".join(view.allowed_next),
        )
    console.print(table)


@case_app.command("assign")
def case_assign(
    case_id: int = typer.Argument(...),
    officer: str = typer.Argument(..., help="A username of the force: investigator or supervisor."),
    reason: str = typer.Option(..., "--reason", help="Why the case changes hands (audited)."),
) -> None:
    """Hand a case to another officer in charge (a force supervisor's call)."""
    with open_database() as db:
        view = assign_officer(db, current_actor(db), case_id, officer, reason)
    console.print(f"case {view.id}: officer in charge is now {view.officer}")


@case_app.command("show")
def case_show(case_id: int = typer.Argument(...)) -> None:
    """Everything recorded on a case, as JSON (audited)."""
    with open_database() as db:
        view = cases.get_case(db, current_actor(db), case_id)
    _print_case(view)
    console.print_json(json.dumps(_plain(view), default=str))


def _plain(view: CaseView) -> dict[str, Any]:
    return {
        name: getattr(view, name)
        for name in (
            "history",
            "searches",
            "devices",
            "charging_summary",
            "charges",
            "position_of_trust",
            "registered_sex_offender",
            "bail",
            "children",
            "safeguarding_actions",
            "officer",
            "officers",
            "tasks",
        )
    }


@case_app.command("advance")
def case_advance(
    case_id: int = typer.Argument(...),
    to: str = typer.Argument(..., help="The next state, e.g. researching, arrested, charged."),
    note: str | None = typer.Option(None, "--note"),
    on: str | None = typer.Option(
        None, "--on", help="The day it happened, YYYY-MM-DD, if not today."
    ),
) -> None:
    """Move a case one step of the workflow; a step not allowed is refused with the allowed ones."""
    day = _day(on, "--on") if on else None
    with open_database() as db:
        view = cases.advance_case(db, current_actor(db), case_id, to, note, day)
    _print_case(view)


@case_app.command("record-outcome")
def case_record_outcome(
    case_id: int = typer.Argument(...),
    search: str | None = typer.Option(None, "--search", help="Address of a property searched."),
    device: str | None = typer.Option(None, "--device", help="Exhibit reference of a device."),
    description: str = typer.Option("", "--description", help="What the device is."),
    scan: Path | None = typer.Option(None, "--scan", help="Triage scan output of --device."),
    charge: str | None = typer.Option(
        None, "--charge", help=f"Offence: {', '.join(o.value for o in Offence)}."
    ),
    images_a: int | None = typer.Option(None, "--images-a"),
    images_b: int | None = typer.Option(None, "--images-b"),
    images_c: int | None = typer.Option(None, "--images-c"),
    position_of_trust: str | None = typer.Option(
        None, "--position-of-trust", help="The position held (e.g. teacher)."
    ),
    registered_sex_offender: bool = typer.Option(False, "--registered-sex-offender"),
    on: str | None = typer.Option(None, "--on", help="Date, YYYY-MM-DD (default today)."),
) -> None:
    """Record outcomes: a search, a seized device (with its triage scan), a charge (image counts
    default to the devices' scans), position of trust, registered sex offender. All of them as
    one act: if any part is refused, none is recorded."""
    given = {"A": images_a, "B": images_b, "C": images_c}
    images = (
        None if all(v is None for v in given.values()) else {k: v or 0 for k, v in given.items()}
    )
    outcome = Outcome(
        on=_day(on, "--on"),
        search=search,
        device=device,
        description=description,
        scan=scan,
        charge=_offence(charge) if charge else None,
        images=images,
        position_of_trust=position_of_trust,
        registered_sex_offender=registered_sex_offender,
    )
    if outcome.is_empty():
        fail(
            "nothing to record: give --search, --device, --charge, --position-of-trust or "
            "--registered-sex-offender"
        )
    with open_database() as db:
        view = record_outcome(db, current_actor(db), case_id, outcome)
    _print_case(view)
    if charge:
        console.print(f"charging summary from seized devices: {view.charging_summary}")


@case_app.command("file")
def case_file_command(
    case_id: int = typer.Argument(...),
    out: Path | None = typer.Option(
        None, "--out", help="Write it here: .json for JSON, else a printable HTML document."
    ),
) -> None:
    """The file for the prosecutor: offences with statutes and image counts, exhibits with their
    continuity, bail, safeguarding, withdrawals, history and the audit trail's verification
    (never imagery; audited). JSON on the terminal without --out."""
    with open_database() as db:
        prepared = case_file(db, current_actor(db), case_id)
    text = json.dumps(dataclasses.asdict(prepared), default=str, indent=2)
    if out is None:
        console.print_json(text)
        return
    tmp = out.with_name(out.name + ".partial")
    try:
        tmp.write_text(text if out.suffix == ".json" else case_file_html(prepared))
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    for note in prepared.notes:
        err_console.print(f"[yellow]note:[/] {note}")
    console.print(f"case file for case {case_id} written to {out}")


@case_app.command("withdraw")
def case_withdraw(
    case_id: int = typer.Argument(...),
    kind: str = typer.Argument(..., help="search, device or charge"),
    entry: int = typer.Argument(..., help="Its id, as `case show` lists it."),
    reason: str = typer.Option(..., "--reason", help="Why: kept with it and audited."),
) -> None:
    """Withdraw a search, device or charge recorded in error; it stays on the case, marked
    withdrawn, and leaves the counts. To correct one, withdraw it and record the right one."""
    with open_database() as db:
        view = withdraw_entry(db, current_actor(db), case_id, kind, entry, reason)
    _print_case(view)
    console.print(f"{kind} {entry} withdrawn; charging summary now {view.charging_summary}")


def _offence(value: str) -> Offence:
    try:
        return Offence(value.strip().lower())
    except ValueError:
        fail(f"--charge {value!r}: one of {', '.join(o.value for o in Offence)}")


@case_app.command("link-scan")
def case_link_scan(device_id: int = typer.Argument(...), scan: Path = typer.Argument(...)) -> None:
    """Attach a finished triage scan to a seized device (its counts feed the charging summary)."""
    with open_database() as db:
        linked = device_scans.link_scan(db, current_actor(db), device_id, scan)
    _print_case(linked.case)
    console.print(f"files to act on: {linked.taken.files}")
    kept = _carried_said(linked.taken.carried)
    if kept:
        console.print(kept)
    console.print(f"charging summary from seized devices: {linked.case.charging_summary}")


def _carried_said(carried: dict[str, int]) -> str:
    """What a re-linked scan's files took from the scan linked before, in a line; empty when
    nothing was decided before."""
    taken = [
        f"{carried[key]} {key if carried[key] != 1 else key[:-1]}"
        for key in ("decisions", "votes", "flags")
        if carried.get(key)
    ]
    missing = carried.get("contents_not_found", 0)
    if not taken and not missing:
        return ""
    said = "kept from the scan linked before (by content): " + (", ".join(taken) or "nothing")
    if missing:
        contents = "content" if missing == 1 else "contents"
        said += f"; {missing} decided {contents} not in this scan (kept in the audit log only)"
    return said


@case_app.command("bail")
def case_bail(
    case_id: int = typer.Argument(...),
    condition: list[str] = typer.Option(
        ..., "--condition", help="A usual condition by name (see bail-conditions) or free text."
    ),
    authorised_by: str = typer.Option(..., "--authorised-by", help="The inspector."),
    start: str | None = typer.Option(None, "--start", help="YYYY-MM-DD (default today)."),
) -> None:
    """Release on pre-charge bail with conditions; the 3-month clock starts."""
    conditions = [bail_condition(c) for c in condition]
    with open_database() as db:
        view = start_bail(
            db, current_actor(db), case_id, _day(start, "--start"), conditions, authorised_by
        )
    _print_case(view)
    console.print(f"bail expires {uk_day(view.bail[-1]['expires_on'])}")


@case_app.command("bail-conditions")
def case_bail_conditions() -> None:
    """The usual bail conditions and their short names."""
    for name, text in USUAL_BAIL_CONDITIONS.items():
        console.print(f"{name}: {text}")


@case_app.command("extend-bail")
def case_extend_bail(
    case_id: int = typer.Argument(...),
    authorised_by: str = typer.Option(..., "--authorised-by"),
    court_until: str | None = typer.Option(
        None, "--court-until", help="After 9 months: the date a magistrates' court set."
    ),
) -> None:
    """Extend bail to 6 months (superintendent), 9 months (ACC/commander), then by court."""
    until = _day(court_until, "--court-until") if court_until else None
    with open_database() as db:
        view = extend_bail(db, current_actor(db), case_id, authorised_by, until)
    bail = view.bail[-1]
    expires = uk_day(bail["expires_on"])
    console.print(f"case {view.id}: bail at {bail['stage']}, expires {expires}")


@case_app.command("bail-due")
def case_bail_due(days: int = typer.Option(BAIL_REVIEW_DAYS, "--days")) -> None:
    """Bail expiring in the next days (or already lapsed), soonest first; the day is London's."""
    with open_database() as db:
        due = bail_expiring(db, current_actor(db), service_day(), days)
    table = Table("case", "force", "expires", "days left", "stage", "next extension by")
    for item in due:
        table.add_row(
            str(item.case_id),
            named(item.force),
            uk_day(item.expires_on),
            str(item.days_left),
            item.stage,
            item.next_authority,
        )
    console.print(table)


@case_app.command("safeguard")
def case_safeguard(
    case_id: int = typer.Argument(...),
    children: int | None = typer.Option(None, "--children", help="How many children."),
    age_band: str = typer.Option(
        AgeBand.FIVE_TO_10.value, "--age-band", help=", ".join(a.value for a in AgeBand)
    ),
    relationship: str = typer.Option(
        Relationship.OTHER.value, "--relationship", help=", ".join(r.value for r in Relationship)
    ),
    immediate_risk: bool = typer.Option(False, "--immediate-risk"),
    action: str | None = typer.Option(
        None, "--action", help=", ".join(k.value for k in SafeguardingKind)
    ),
    owner: str = typer.Option("", "--owner", help="Who owns the action."),
    on: str | None = typer.Option(None, "--on", help="Date of the action (default today)."),
    note: str | None = typer.Option(None, "--note"),
) -> None:
    """Record children identified (counted, never named) and safeguarding actions."""
    with open_database() as db:
        actor = current_actor(db)
        view = None
        if children is not None:
            view = cases.record_children(
                db, actor, case_id, children, age_band, relationship, immediate_risk
            )
        if action:
            view = cases.record_safeguarding_action(
                db, actor, case_id, action, _day(on, "--on"), owner, note
            )
    if view is None:
        fail("nothing to record: give --children and/or --action")
    _print_case(view)


SHORT_HEADERS = (
    "issued",
    "outst.",
    "arrests",
    "VI",
    "searched",
    "devices",
    "charged",
    "PoT",
    "RSO",
    "children",
    "at risk",
    "bail due",
)


def figures_command(
    operation: str = typer.Option(..., "--operation"),
    publish: bool = typer.Option(False, "--publish", help="Record this release."),
    rounded: bool = typer.Option(False, "--round", help="Round published counts to 5."),
    as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)."),
    out: Path | None = typer.Option(None, "--out", help="Write <out>.csv and <out>.json."),
    override_reason: str | None = typer.Option(
        None,
        "--override-reason",
        help="Publish despite a differencing risk with the last release, saying why (kept).",
    ),
    releases: bool = typer.Option(False, "--releases", help="List past releases and stop."),
) -> None:
    """Per force and national figures under disclosure control ([c] = fewer than 5, or hidden
    so that no small count can be worked out). Columns: packages issued and outstanding,
    arrests, voluntary interviews, properties searched, devices seized, charged, positions of
    trust, registered sex offenders, children safeguarded and of them at immediate risk, bail
    reviews due in 14 days."""
    if releases:
        with open_database() as db:
            kept = list_releases(db, current_actor(db), operation)
        listing = Table("release", "published", "by", "as of", "rounded", "sha256")
        for r in kept:
            listing.add_row(
                str(r.id),
                uk_time(r.published_at),
                r.published_by,
                uk_day(r.as_of),
                "yes" if r.rounded else "no",
                r.sha256,
            )
        console.print(listing)
        return
    with open_database() as db:
        result = publish_figures(
            db,
            current_actor(db),
            operation,
            _day(as_of, "--as-of"),
            rounded,
            publish,
            override_reason,
        )
    table = Table("force", *SHORT_HEADERS)
    for row in result.table.as_rows():
        force = "All forces" if row["row"] == "total" else organisation_name(str(row["row"]))
        table.add_row(force, *[escape(str(row[m])) for m in MEASURES])
    Console(width=max(console.width, 140)).print(table)  # 13 columns: never squash them
    for warning in result.warnings:
        console.print(f"[yellow]differencing:[/] {warning}")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_suffix(".csv").write_text(result.as_csv(), encoding="utf-8")
        out.with_suffix(".json").write_text(json.dumps(result.as_json(), indent=2) + "\n")
        console.print(f"written {out.with_suffix('.csv')} and {out.with_suffix('.json')}")
    if result.publication_id is not None:
        console.print(f"publication {result.publication_id} recorded")
    else:
        console.print("preview only: add --publish to record this release")

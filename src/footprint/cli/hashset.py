"""`footprint hashset import|list|export|correct|record`."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import typer
from rich.progress import (
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from footprint.cli.admin import audit_outside, current_actor, open_database
from footprint.cli.common import (
    ExitCode,
    console,
    err_console,
    fail,
    open_store,
    settings,
    show_skipped,
)
from footprint.hashsets import ImportOptions, ImportReport, SetKind, UnifiedCategory
from footprint.hashsets.formats import hashset_formats, scheme_choices
from footprint.hashsets.schemes import parse_category_codes, parse_uk_codes
from footprint.hashsets.service import export_set_for, import_files
from footprint.operations.known_records import correct_record, read_record

app = typer.Typer(help="Known-hash sets: import, list and export.", no_args_is_help=True)


# How many records a file holds is not known until it is read: a running count and the time.
IMPORT_COLUMNS = (
    SpinnerColumn(),
    TextColumn("{task.description}"),
    TextColumn("{task.completed:,.0f} records written"),
    TimeElapsedColumn(),
)


def _counter(progress: Progress) -> Callable[[Path, int, str], None]:
    """One line per file, its count of records written and what the import is doing (the
    indexes built at its end) kept up to date."""
    tasks: dict[Path, TaskID] = {}

    def advance(path: Path, written: int, stage: str) -> None:
        description = f"{stage} {path.name}"
        if path not in tasks:
            tasks[path] = progress.add_task(description, total=None)
        progress.update(tasks[path], completed=written, description=description)

    return advance


def _print_report(report: ImportReport) -> None:
    if report.error:
        err_console.print(f"[bold red]failed[/] {report.error}")
        return
    console.print(
        f"[green]{report.source}[/] ({report.format}): {report.imported:,} imported, "
        f"{report.merged:,} merged duplicates, {len(report.skipped):,} skipped, "
        f"{len(report.warnings):,} warnings; set at version {report.version}"
    )
    hidden = show_skipped(report.skipped) + show_skipped(report.warnings, "warning record")
    if hidden > 0:  # each list shows its first few: say when either was cut short
        err_console.print("  ... and more: see --report for every record")


@app.command("import")
def import_(
    files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    set_name: str = typer.Option(..., "--set", help="Set to import into (created if new)."),
    scheme: str | None = typer.Option(
        None,
        help=f"Category scheme or format: {', '.join(scheme_choices())}. Default: from content.",
    ),
    ignore: bool = typer.Option(False, "--ignore", help="Mark the set as an ignore set."),
    pdq_radius: int = typer.Option(31, min=0, max=128, help="PDQ match radius for this set."),
    category: str = typer.Option(
        "uncategorised", help="Category for bare PDQ lists and vPDQ files, which carry none."
    ),
    video_match_percent: int | None = typer.Option(
        None,
        min=1,
        max=100,
        help="Share of a video's frames that must match this set's videos (default 80, vPDQ's).",
    ),
    report_path: Path | None = typer.Option(
        None, "--report", help="Write every file's full import report (JSON) here."
    ),
) -> None:
    """Import hash-set files (VICS JSON, ICSE CSV, plain CSV, NSRL RDS v3, PDQ lists, vPDQ).

    Each file goes in whole or not at all; bad records are skipped and listed with their
    number, field and reason while the rest go in.
    """
    if scheme is not None and scheme not in scheme_choices():
        fail(f"--scheme {scheme!r}: choose one of {', '.join(scheme_choices())}")
    config = settings()
    try:
        uk_codes = parse_uk_codes(config.uk_category_codes)
        category_codes = parse_category_codes(config.category_codes)
        list_category = UnifiedCategory(category)
    except ValueError as exc:
        fail(str(exc))
    options = ImportOptions(
        scheme=scheme,
        kind=SetKind.IGNORE if ignore else None,
        pdq_radius=pdq_radius,
        uk_codes=uk_codes,
        category_codes=category_codes,
        list_category=list_category,
        video_match_percent=video_match_percent,
    )
    store = open_store(config)
    try:
        with open_database() as db:
            actor = current_actor(db)
            with Progress(*IMPORT_COLUMNS, console=err_console, transient=True) as progress:
                reports = import_files(
                    actor, store, files, set_name, options, _print_report, _counter(progress)
                )
        _audit_imports(set_name, reports)
    finally:
        store.close()
    if report_path:
        report_path.write_text(json.dumps([r.as_dict() for r in reports], indent=2))
    if any(r.error or r.skipped for r in reports):
        raise typer.Exit(int(ExitCode.IMPORT_SKIPPED))


def _audit_imports(set_name: str, reports: list[ImportReport]) -> None:
    for report in reports:  # one entry per file
        audit_outside(
            "hashset.import",
            "hashset",
            set_name,
            file=Path(report.source).name,
            format=report.format,
            imported=report.imported,
            merged=report.merged,
            skipped=len(report.skipped),
            failed=report.error is not None,
        )


@app.command("list")
def list_(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List the hash sets with their kind, version, record count and categories."""
    store = open_store(settings())
    try:
        rows = [(info, store.category_counts(info.id)) for info in store.sets()]
    finally:
        store.close()
    if as_json:
        payload = [
            {
                "name": i.name,
                "kind": str(i.kind),
                "version": i.version,
                "records": i.records,
                "pdq_radius": i.pdq_radius,
                "updated_at": i.updated_at,
                "categories": counts,
            }
            for i, counts in rows
        ]
        console.print_json(json.dumps(payload))
        return
    table = Table("set", "kind", "version", "records", "PDQ radius", "categories", "updated")
    for info, counts in rows:
        cats = ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
        table.add_row(
            info.name,
            str(info.kind),
            str(info.version),
            f"{info.records:,}",
            str(info.pdq_radius),
            cats,
            info.updated_at,
        )
    console.print(table)


@app.command("export")
def export(
    name: str = typer.Argument(..., help="The set to export."),
    fmt: str = typer.Option(
        "vics",
        "--format",
        help="Export format: any writable one (vics: VICS 2.0; vics-1.3, icse, csv, pdq-list).",
    ),
    shape: str = typer.Option("hashset", help="VICS shape: hashset or case."),
    out: Path = typer.Option(..., "--out", help="File to write."),
) -> None:
    """Export a set, as VICS 2.0 JSON by default (import -> export -> import loses nothing).

    The file appears whole or not at all: it is written beside its name and moved there last.
    """
    writable = [f.name for f in hashset_formats() if f.writable]
    if fmt not in writable:
        fail(f"--format {fmt!r}: choose one of {', '.join(writable)}")
    if shape not in ("hashset", "case"):
        fail(f"--shape {shape!r}: choose hashset or case")
    store = open_store(settings())
    tmp = out.with_name(out.name + ".partial")
    try:
        with open_database() as db:  # refusals and an unknown set are said there, exit code 2
            actor = current_actor(db)
            with tmp.open("w", encoding="utf-8") as stream:
                count = export_set_for(actor, store, name, stream, shape, fmt)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
        store.close()
    audit_outside("hashset.export", "hashset", name, format=fmt, records=count, file=out.name)
    console.print(f"wrote {count:,} records of {name} to {out}")


@app.command("correct")
def correct(
    name: str = typer.Argument(..., help="The set the record is in."),
    reference: str = typer.Argument(..., help="The record: its record id, or one of its hashes."),
    reason: str = typer.Option(..., "--reason", help="Why: kept in the record's history."),
    category: str | None = typer.Option(None, help="The right category (A, B, C, ...)."),
    victim_identified: bool | None = typer.Option(
        None, "--victim-identified/--victim-not-identified"
    ),
    offender_identified: bool | None = typer.Option(
        None, "--offender-identified/--offender-not-identified"
    ),
    distributed: bool | None = typer.Option(None, "--distributed/--not-distributed"),
    series: str | None = typer.Option(None, help="The series it belongs to ('' clears it)."),
) -> None:
    """Correct a known record's category or flags, with a reason (history kept, audited)."""
    asked = {
        "category": category,
        "victim_identified": victim_identified,
        "offender_identified": offender_identified,
        "distributed": distributed,
        "series": series,
    }
    changes = {k: v for k, v in asked.items() if v is not None}
    store = open_store(settings())
    try:
        with open_database() as db:
            actor = current_actor(db)
            change = correct_record(db, store, actor, name, reference, changes, reason)
    finally:
        store.close()
    for field_name, after in change.after.items():
        console.print(f"{field_name}: {change.before[field_name]!r} -> {after!r}")
    console.print(f"{name} is now at version {change.version}")


@app.command("record")
def record(
    name: str = typer.Argument(..., help="The set the record is in."),
    reference: str = typer.Argument(..., help="The record: its record id, or one of its hashes."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Show a known record and every correction made to it."""
    store = open_store(settings())
    try:
        with open_database() as db:
            view = read_record(store, current_actor(db), name, reference)
    finally:
        store.close()
    if as_json:
        console.print_json(json.dumps(dataclasses.asdict(view)))
        return
    fields = Table("field", "value", title=f"{name}: {view.record_id or reference}")
    for field_name, value in dataclasses.asdict(view).items():
        if field_name not in ("history", "set_name"):
            fields.add_row(field_name, str(value))
    console.print(fields)
    history = Table("when", "who", "reason", "before", "after", title="corrections")
    for entry in view.history:
        history.add_row(
            entry.changed_at, entry.changed_by, entry.reason, str(entry.before), str(entry.after)
        )
    console.print(history)

"""`footprint scan`: match every file of some evidence against known-hash sets."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from footprint.cli.admin import audit_outside
from footprint.cli.common import (
    ExitCode,
    console,
    err_console,
    fail,
    open_store,
    settings,
    uk_codes,
)
from footprint.hashsets import SetNotFound
from footprint.hashsets.formats import hashset_formats
from footprint.signals import DecodePath, Orientation
from footprint.triage.export import ExportError, ExportProgress, Included, export_scan
from footprint.triage.scan import Progress as Advance
from footprint.triage.scan import ScanError
from footprint.triage.service import ENGINES, ScanRequest, scan
from footprint.triage.signals_job import SignalOptions

PROGRESS_COLUMNS = (
    TextColumn("{task.description}"),
    BarColumn(),
    TextColumn("{task.fields[files]}"),
    DownloadColumn(),
    TransferSpeedColumn(),
    TimeRemainingColumn(),
)


def progress_bar(progress: Progress) -> Callable[[int, int, int], Advance]:
    """One bar over bytes (what sets the time left) with a running count of files."""

    def start(files: int, size: int, already: int) -> Advance:
        if already:
            console.print(f"resuming: {already:,} files already done")
        task = progress.add_task("scanning", total=size, files=f"0/{files:,} files")
        done = 0

        def advance(done_files: int, done_bytes: int) -> None:
            nonlocal done
            done += done_files
            progress.update(task, advance=done_bytes, files=f"{done:,}/{files:,} files")

        return advance

    return start


def scan_command(
    paths: list[Path] = typer.Argument(..., help="Folders or files of evidence (read only)."),
    against: str = typer.Option(..., help="Comma-separated hash sets to match against."),
    out: Path = typer.Option(..., "--out", help="Output folder; rerun with it to resume."),
    workers: int = typer.Option(0, min=0, help="Worker processes (0: one per core)."),
    decode: DecodePath | None = typer.Option(None, help="fast (JPEG DCT scaling) or exact."),
    orientation: Orientation = typer.Option(
        Orientation.STORED, help="stored, or both (also the EXIF-displayed orientation)."
    ),
    dihedral: bool = typer.Option(False, help="Also match the 8 rotations/flips."),
    video_seconds: float = typer.Option(
        1.0, min=0.04, max=3600, help="Hash one video frame per this many seconds (vPDQ: 1)."
    ),
    engine: str = typer.Option(
        "local", help="local (this machine's cores) or ray (a Ray cluster: see --address)."
    ),
    address: str | None = typer.Option(
        None,
        help="Ray cluster to join (host:port, or 'auto'); without it --engine ray starts a "
        "local Ray with --workers CPUs. Evidence and hash store on shared storage.",
    ),
) -> None:
    """Scan evidence; writes findings.jsonl, summary.json and report.html to --out.

    Exit codes: 0 done, 1 done with file errors, 2 usage error, 3 interrupted (resumable).
    """
    config = settings()
    options = SignalOptions(
        decode=decode or DecodePath(config.decode),
        orientation=orientation,
        dihedral=dihedral,
        pixel_limit=config.pixel_limit,
        plugins=config.plugin_modules,
        video_seconds=video_seconds,
    )
    set_names = [s.strip() for s in against.split(",") if s.strip()]
    if engine not in ENGINES:
        fail(f"--engine {engine!r}: choose one of {', '.join(ENGINES)}")
    request = ScanRequest(
        paths,
        set_names,
        out,
        options,
        workers or config.workers or os.cpu_count() or 1,
        engine,
        address,
    )
    store = open_store(config)
    audit_outside(
        "scan.start",
        "scan",
        str(out),
        evidence=[str(p) for p in paths],
        sets=set_names,
        decode=str(options.decode),
        engine=engine,
    )
    try:
        with Progress(*PROGRESS_COLUMNS, console=err_console) as progress:
            summary = scan(store, request, progress_bar(progress))
    except (SetNotFound, ScanError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        err_console.print(f"interrupted: run the same command again to resume into {out}")
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    finally:
        store.close()
    audit_outside(
        "scan.finish",
        "scan",
        str(out),
        files=summary["files"],
        matched_files=summary["matched_files"],
        errors=summary["errors"],
    )
    console.print_json(json.dumps(summary))
    if summary["errors"]:
        raise typer.Exit(int(ExitCode.FILE_ERRORS))


EXPORT_COLUMNS = (TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn())


def export_bar(progress: Progress) -> ExportProgress:
    """A bar per phase: reading the findings (grouping copies), then writing the records."""
    tasks: dict[str, TaskID] = {}

    def tell(phase: str, done: int, total: int) -> None:
        if phase not in tasks:
            tasks[phase] = progress.add_task(phase, total=total)
        progress.update(tasks[phase], completed=done, total=total)

    return tell


def scan_export_command(
    scan_dir: Path = typer.Argument(..., help="A finished scan's --out folder."),
    out: Path = typer.Option(..., "--out", help="File to write."),
    fmt: str = typer.Option(
        "vics",
        "--format",
        help="Any writable hash-set format (vics: VICS 2.0; vics-1.3, icse, csv, pdq-list).",
    ),
    shape: str = typer.Option("case", help="VICS shape: case (what review tools load) or hashset."),
    include: Included = typer.Option(
        Included.MEDIA,
        help="matched (files a known set matched), media (every image and video) or all.",
    ),
    case_number: str | None = typer.Option(
        None, help="The VICS case's CaseNumber (default: the scan folder's name)."
    ),
) -> None:
    """Export a finished scan for a review tool or the national database: one record per
    distinct content (MD5) with every place it was found (path, name, deleted), its category
    from the matches (none: uncategorised, for grading), its signals, size and type. Hashes
    and paths only, never imagery. The file appears whole or not at all."""
    writable = [f.name for f in hashset_formats() if f.writable]
    if fmt not in writable:
        fail(f"--format {fmt!r}: choose one of {', '.join(writable)}")
    if shape not in ("hashset", "case"):
        fail(f"--shape {shape!r}: choose hashset or case")
    codes = uk_codes()
    tmp = out.with_name(out.name + ".partial")
    try:
        with (
            tmp.open("w", encoding="utf-8") as stream,
            Progress(*EXPORT_COLUMNS, console=err_console) as progress,
        ):
            counts = export_scan(
                scan_dir, stream, fmt, shape, include, case_number, export_bar(progress), codes
            )
        audit_outside(  # before the file is there: an export refused by it never appears
            "scan.export",
            "scan",
            str(scan_dir.resolve()),
            format=fmt,
            include=str(include),
            records=counts.records,
            files=counts.files,
            file=out.name,
        )
        tmp.replace(out)
    except ExportError as exc:
        fail(str(exc))
    finally:
        tmp.unlink(missing_ok=True)
    console.print(f"wrote {counts.records:,} contents ({counts.files:,} files) to {out}")

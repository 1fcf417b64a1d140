"""Import and export of known-hash sets: the service the CLI (and later the web app) call."""

from __future__ import annotations

import csv
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import ijson

from footprint.errors import RecordError
from footprint.hashsets.formats import ExportContext, ImportOptions, chosen_format, hashset_format
from footprint.hashsets.model import ImportReport
from footprint.hashsets.reading import read_batches
from footprint.hashsets.store import KnownHashStore, PreparedBatch
from footprint.security.actor import Actor
from footprint.security.permissions import Action, require

BYTES_PER_RECORD = 100  # roughly, in the usual formats: how many records a file holds
# What an import is doing, as its progress hears it: writing records, then (every record
# written) building the set's indexes, which at 10^7 records takes some 20 seconds.
WRITING, INDEXING = "importing", "indexing"
Progress = Callable[[int, str], None]
# what a file that cannot be read raises: the import fails whole, naming the file and reason
_UNREADABLE = (RecordError, ijson.JSONError, ValueError, OSError, UnicodeError, csv.Error)


def _reporting(
    batches: Iterator[PreparedBatch], progress: Progress | None
) -> Iterator[PreparedBatch]:
    count = 0
    for batch in batches:
        yield batch
        count += len(batch[0])
        if progress is not None:
            progress(count, WRITING)


def import_file(
    store: KnownHashStore,
    path: Path,
    set_name: str,
    options: ImportOptions,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one file into a set in one transaction: all of its good records, or nothing.
    `progress` hears the number of records written so far, every few thousand, and what the
    import is doing (WRITING, then INDEXING once every record is written)."""
    fmt = chosen_format(path, options)
    report = ImportReport(source=str(path), format=fmt.name)
    kind = options.kind or fmt.implied_kind
    with store.writing():
        store.db.execute("BEGIN IMMEDIATE")
        try:  # the set is made in the same transaction: a failed import leaves no empty set
            set_id = store.ensure_set(set_name, kind, options.pdq_radius)
            before, changes = store.count(set_id), store.db.total_changes
            batches = _reporting(read_batches(fmt, path, report, options), progress)
            with store.bulk_load(path.stat().st_size // BYTES_PER_RECORD):
                written = store.write_prepared(set_id, batches)
                if progress is not None:  # the signal index is built as this block ends
                    progress(written, INDEXING)
            added = store.count(set_id) - before
            report.imported, report.merged = added, written - added
            _withdraw(store, set_id, report)
            if not (written or report.skipped or report.removals):  # never a silent success
                raise RecordError("file", f"no records in it (read as {fmt.name})")
            meta = _set_meta(store.get_set(set_name).meta, report, options)
            if store.db.total_changes != changes or meta:  # nothing new: the version stays
                source = {"last_import": report.source, "last_format": report.format}
                store.bump_version(set_id, meta | source)
            store.db.execute("COMMIT")
        except _UNREADABLE as exc:
            store.db.execute("ROLLBACK")
            report.imported = report.merged = 0
            report.error = f"{path}: {exc}; nothing from this file was imported"
        except BaseException:  # anything else (a bug, Ctrl-C): nothing half-written either
            store.db.execute("ROLLBACK")
            raise
        if report.error is None:
            info = store.get_set(set_name)
            report.version = info.version
            store.pdq_tables(info)
    return report


def _withdraw(store: KnownHashStore, set_id: int, report: ImportReport) -> None:
    """Remove the records the file withdrew (NCMEC's deleted entries), only those that came from
    the same source scheme; say how many it named that the set did not hold."""
    scheme = report.header.get("scheme")  # an id is the source's own: another's may coincide
    report.removed, missing = store.remove_named(set_id, report.removals, scheme)
    if missing:
        report.warn(0, "deleted", f"{missing} withdrawn entries were not in the set")


def _set_meta(meta: dict[str, Any], report: ImportReport, options: ImportOptions) -> dict[str, Any]:
    """What an import changes in the set's metadata: a match threshold, a case header."""
    update: dict[str, Any] = {}
    if options.video_match_percent is not None:
        thresholds = {**meta.get("thresholds", {}), "vpdq": 100 - options.video_match_percent}
        if thresholds != meta.get("thresholds"):
            update["thresholds"] = thresholds
    if "cases" in report.header and report.header["cases"] != meta.get("cases"):
        update["cases"] = report.header["cases"]
    return update


def import_files(
    actor: Actor,
    store: KnownHashStore,
    paths: list[Path],
    set_name: str,
    options: ImportOptions,
    on_file: Callable[[ImportReport], None] | None = None,
    progress: Callable[[Path, int, str], None] | None = None,
) -> list[ImportReport]:
    """Import files for a person: changing the known sets needs the permission (checked before
    anything is read or written). `progress` hears each file's records written so far and
    what its import is doing (see `import_file`)."""
    require(actor, Action.HASHSET_IMPORT, f"set {set_name}")
    reports = []
    for path in paths:
        written = None if progress is None else functools.partial(progress, path)
        report = import_file(store, path, set_name, options, written)
        reports.append(report)
        if on_file:
            on_file(report)
    return reports


def export_set(
    store: KnownHashStore, set_name: str, out: IO[str], shape: str = "hashset", fmt: str = "vics"
) -> int:
    """Write a set in a writable format (VICS by default: import -> export -> import loses
    nothing); returns how many records were written."""
    writer = hashset_format(fmt)
    if not writer.writable:
        raise ValueError(f"format {fmt!r} is read-only")
    info = store.get_set(set_name)
    context = ExportContext(
        info.name, info.records, info.meta, store.source_schemes(info.id), shape, info.version
    )
    return writer.write(store.records(info.id), out, context)


def export_set_for(
    actor: Actor,
    store: KnownHashStore,
    set_name: str,
    out: IO[str],
    shape: str = "hashset",
    fmt: str = "vics",
) -> int:
    """Export a set for a person: sending known material out needs the permission (checked
    before anything is written)."""
    require(actor, Action.HASHSET_EXPORT, f"set {set_name}")
    return export_set(store, set_name, out, shape, fmt)

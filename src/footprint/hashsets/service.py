"""Import and export of known-hash sets: the service the CLI (and later the web app) call."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO

import ijson

from footprint.hashsets.delimited import read_icse, read_pdq_list, read_plain_csv
from footprint.hashsets.model import (
    ImportReport,
    KnownHash,
    RecordError,
    SetKind,
    UnifiedCategory,
)
from footprint.hashsets.nsrl import read_nsrl
from footprint.hashsets.schemes import CategoryMapper, Scheme
from footprint.hashsets.store import DEFAULT_PDQ_RADIUS, KnownHashStore
from footprint.hashsets.vics import read_vics, write_vics
from footprint.security.actor import Actor
from footprint.security.permissions import Action, require


class SourceFormat(StrEnum):
    VICS = "vics"
    ICSE = "icse"
    CSV = "csv"
    NSRL = "nsrl"
    PDQ_LIST = "pdq-list"


# --scheme as users say it: a category scheme (vics, dhs, uk) or a format that implies one.
SCHEME_CHOICES = ("vics", "dhs", "uk", "icse", "csv", "nsrl", "pdq-list")


def detect_format(path: Path) -> SourceFormat:
    """Decide the format from content, never from the file name."""
    with path.open("rb") as stream:
        head = stream.read(4096)
    if head.startswith(b"SQLite format 3\x00"):
        return SourceFormat.NSRL
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff").lstrip()
    if text.startswith("{") or text.startswith("["):
        return SourceFormat.VICS
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    first = lines[0] if lines else ""
    if first.upper().startswith("MD5;") or ";SHA1;" in first.upper():
        return SourceFormat.ICSE
    words = first.strip().split(",")[0].split()
    token = words[0] if words else ""
    if len(token) == 64 and all(c in "0123456789abcdefABCDEF" for c in token):
        return SourceFormat.PDQ_LIST
    return SourceFormat.CSV


@dataclass
class ImportOptions:
    scheme: str | None = None  # one of SCHEME_CHOICES, or None to decide from content
    kind: SetKind | None = None  # None: ignore for NSRL, known otherwise
    pdq_radius: int = DEFAULT_PDQ_RADIUS
    uk_codes: dict[int, UnifiedCategory] = field(default_factory=dict)
    list_category: UnifiedCategory = UnifiedCategory.UNCATEGORISED  # for bare PDQ lists


def _format_and_scheme(path: Path, scheme: str | None) -> tuple[SourceFormat, Scheme | None]:
    implied = {
        "icse": SourceFormat.ICSE,
        "nsrl": SourceFormat.NSRL,
        "pdq-list": SourceFormat.PDQ_LIST,
    }
    if scheme in implied:
        return implied[scheme], None
    fmt = detect_format(path)
    if scheme == "csv":
        return SourceFormat.CSV, None
    category_scheme = Scheme(scheme) if scheme in ("vics", "dhs", "uk") else None
    return fmt, category_scheme


def _records(
    path: Path,
    fmt: SourceFormat,
    scheme: Scheme | None,
    options: ImportOptions,
    report: ImportReport,
) -> Iterator[KnownHash]:
    if fmt is SourceFormat.VICS:
        return read_vics(path, report, scheme, options.uk_codes)
    if fmt is SourceFormat.ICSE:
        return read_icse(path, report)
    if fmt is SourceFormat.NSRL:
        return read_nsrl(path, report)
    if fmt is SourceFormat.PDQ_LIST:
        return read_pdq_list(path, report, options.list_category)
    return read_plain_csv(path, report, CategoryMapper(scheme or Scheme.UK, options.uk_codes))


PROGRESS_EVERY = 5_000  # records between progress reports
# what a file that cannot be read raises: the import fails whole, naming the file and reason
_UNREADABLE = (RecordError, ijson.JSONError, ValueError, OSError, UnicodeError, csv.Error)


def _counting(
    records: Iterator[KnownHash],
    report: ImportReport,
    progress: Callable[[int], None] | None = None,
) -> Iterator[KnownHash]:
    for count, record in enumerate(records, 1):
        report.categories[str(record.category)] += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
        yield record


def import_file(
    store: KnownHashStore,
    path: Path,
    set_name: str,
    options: ImportOptions,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import one file into a set in one transaction: all of its good records, or nothing.
    `progress` hears the number of records read so far, every few thousand."""
    fmt, scheme = _format_and_scheme(path, options.scheme)
    report = ImportReport(source=str(path), format=str(fmt))
    kind = options.kind or (SetKind.IGNORE if fmt is SourceFormat.NSRL else SetKind.KNOWN)
    with store.writing():
        store.db.execute("BEGIN IMMEDIATE")
        try:  # the set is made in the same transaction: a failed import leaves no empty set
            set_id = store.ensure_set(set_name, kind, options.pdq_radius)
            before = store.count(set_id)
            records = _counting(_records(path, fmt, scheme, options, report), report, progress)
            written = store.write_records(set_id, records)
            if not written and not report.skipped:  # a file of the wrong kind: never a success
                raise RecordError("file", f"no records in it (read as {fmt})")
            added = store.count(set_id) - before
            report.imported, report.merged = added, written - added
            meta = {"last_import": report.source, "last_format": report.format}
            if "cases" in report.header:
                meta["cases"] = report.header["cases"]
            store.bump_version(set_id, meta)
            store.db.execute("COMMIT")
        except _UNREADABLE as exc:
            store.db.execute("ROLLBACK")
            report.imported = report.merged = 0
            report.error = f"{path}: {exc}; nothing from this file was imported"
        except BaseException:  # anything else (a bug, Ctrl-C): nothing half-written either
            store.db.execute("ROLLBACK")
            raise
        if report.error is None:
            store.compile_pdq(store.get_set(set_name))
    return report


def import_files(
    actor: Actor,
    store: KnownHashStore,
    paths: list[Path],
    set_name: str,
    options: ImportOptions,
    on_file: Callable[[ImportReport], None] | None = None,
) -> list[ImportReport]:
    """Import files for a person: changing the known sets needs the permission (checked before
    anything is read or written)."""
    require(actor, Action.HASHSET_IMPORT, f"set {set_name}")
    reports = []
    for path in paths:
        report = import_file(store, path, set_name, options)
        reports.append(report)
        if on_file:
            on_file(report)
    return reports


def export_set(store: KnownHashStore, set_name: str, out: IO[str], shape: str = "hashset") -> int:
    info = store.get_set(set_name)
    country = "UK" if store.source_schemes(info.id) == {"uk"} else "US"
    case = None
    if shape == "case":
        cases = info.meta.get("cases") or [{}]
        case = {**cases[0], "TotalMediaFiles": info.records}
        case.setdefault("CaseNumber", info.name)
        case.setdefault("SourceApplicationName", "footprint")
    return write_vics(store.records(info.id), out, shape=shape, country=country, case=case)

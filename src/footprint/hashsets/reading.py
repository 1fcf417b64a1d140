"""A hash-set file read into batches of records prepared for the store, in a helper process when
the file is large, so that parsing and checking records runs on one core while the store writes
on the other (a 10^7-record national set would otherwise take both steps' time added together).

The helper is a fresh interpreter (spawned: safe beside the web app's threads) that loads the
same plugins; if what it finds registered differs from here (a format or signal kind added by
other means), the file is read here instead, so a record is never read two ways. It dies with
this process, and whatever it raises is raised here, so the import rolls back as before.
"""

from __future__ import annotations

import gc
import multiprocessing
import pickle
import signal
from collections.abc import Iterable, Iterator
from dataclasses import fields
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from footprint.errors import Invalid, RecordError
from footprint.hashsets.formats import HashSetFormat, ImportOptions, hashset_format
from footprint.hashsets.model import ImportReport, KnownHash
from footprint.hashsets.store import LARGE_BATCH, PreparedBatch, prepare_batches
from footprint.plugins import load_plugins, loaded_plugins
from footprint.processes import die_with_parent
from footprint.signals import signal_kinds

# Smaller files are read here (a helper takes ~0.5 s to start) in the usual batches; larger
# ones in large batches in key order (store.prepare_batches), wherever they are read.
HELPER_MIN_BYTES = 32 * 2**20


def read_batches(
    fmt: HashSetFormat,
    path: Path,
    report: ImportReport,
    options: ImportOptions,
    in_helper: bool | None = None,
) -> Iterator[PreparedBatch]:
    """The file's records in batches, ready for `KnownHashStore.write_prepared`; `report`
    hears what the reader reports (skips, warnings, header, categories) by the time the last
    batch is out. `in_helper`: None decides by the file's size."""
    large = path.stat().st_size >= HELPER_MIN_BYTES
    if in_helper is None:
        in_helper = large
    if in_helper:
        yield from _from_helper(fmt, path, report, options, large)
    else:
        yield from _prepared(fmt, path, report, options, large)


def _prepared(
    fmt: HashSetFormat, path: Path, report: ImportReport, options: ImportOptions, large: bool
) -> Iterator[PreparedBatch]:
    records = _counted(fmt.read(path, report, options), report)
    if large:
        return prepare_batches(records, LARGE_BATCH, in_key_order=True)
    return prepare_batches(records)


def _counted(records: Iterable[KnownHash], report: ImportReport) -> Iterator[KnownHash]:
    categories = report.categories
    for record in records:
        categories[str(record.category)] += 1
        yield record


def _what_reads(fmt: HashSetFormat) -> tuple[str, list[str]]:
    """What the helper must find registered to read as this process would."""
    kind = type(fmt)
    return f"{kind.__module__}.{kind.__qualname__}", [k.name for k in signal_kinds()]


def _from_helper(
    fmt: HashSetFormat, path: Path, report: ImportReport, options: ImportOptions, large: bool
) -> Iterator[PreparedBatch]:
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe(duplex=False)
    args = (theirs, fmt.name, path, options, large, loaded_plugins(), _what_reads(fmt))
    helper = context.Process(target=_helper, args=args, daemon=True)
    helper.start()
    theirs.close()
    try:
        kind, value = _receive(ours, helper)
        while kind != "done":
            if kind == "unavailable":
                yield from _prepared(fmt, path, report, options, large)
                return
            if kind == "error":
                raise value
            if kind == "batch":
                yield value
            kind, value = _receive(ours, helper)
        for field in fields(ImportReport):
            setattr(report, field.name, getattr(value, field.name))
    finally:
        ours.close()
        if helper.is_alive():  # the import stopped early (an error here, Ctrl-C): stop reading
            helper.kill()
        helper.join()


def _receive(conn: Connection, helper: multiprocessing.process.BaseProcess) -> tuple[str, Any]:
    try:
        message: tuple[str, Any] = conn.recv()
    except EOFError:  # the helper is gone without a word: a crash, or over its memory
        helper.join()
        raise RecordError(
            "file", f"the process reading it ended unexpectedly (exit {helper.exitcode})"
        ) from None
    return message


def _helper(
    conn: Connection,
    fmt_name: str,
    path: Path,
    options: ImportOptions,
    large: bool,
    plugins: tuple[str, ...],
    expected: tuple[str, list[str]],
) -> None:
    die_with_parent()
    gc.set_threshold(100_000, 50, 100)  # it makes 10^8 tuples, few of them garbage
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the importer's to handle: it kills us
    try:
        fmt = _registered(fmt_name) if _loaded(plugins) else None
        if fmt is None or _what_reads(fmt) != expected:
            conn.send(("unavailable", None))
            return
        conn.send(("ready", None))
        report = ImportReport(str(path), fmt_name)
        for batch in _prepared(fmt, path, report, options, large):
            conn.send(("batch", batch))
        conn.send(("done", report))
    except Exception as exc:  # raised in the importing process, which rolls back
        conn.send(("error", _crossing(exc)))
    finally:
        conn.close()


def _loaded(plugins: tuple[str, ...]) -> bool:
    try:
        load_plugins(plugins)
    except Invalid:  # loaded here once, gone since: the file is read where it loaded
        return False
    return True


def _registered(name: str) -> HashSetFormat | None:
    try:
        return hashset_format(name)
    except ValueError:  # registered here by other means than a plugin
        return None


def _crossing(exc: Exception) -> Exception:
    """The exception itself when it survives pickling; otherwise one that names it."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc

"""NSRL RDS v3: a SQLite database of known benign software files, imported as an ignore set."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from footprint.hashsets.model import (
    ImportReport,
    KnownHash,
    RecordError,
    UnifiedCategory,
    normalise_hex,
)

_WANTED = ("sha256", "sha1", "md5", "file_name", "file_size")


def read_nsrl(path: Path, report: ImportReport) -> Iterator[KnownHash]:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        columns = {row[1].lower() for row in db.execute("PRAGMA table_info(FILE)")}
    except sqlite3.DatabaseError as exc:
        raise RecordError("file", f"not an NSRL RDS v3 SQLite database: {exc}") from exc
    if not columns & {"sha256", "sha1", "md5"}:
        db.close()
        raise RecordError("FILE", "table FILE with sha256/sha1/md5 columns not found (RDS v3)")
    chosen = [c for c in _WANTED if c in columns]
    report.header = {"table": "FILE", "columns": chosen}
    try:
        cursor = db.execute(f"SELECT {', '.join(chosen)} FROM FILE")
        for number, row in enumerate(cursor, start=1):
            values = dict(zip(chosen, row, strict=True))
            try:
                record = KnownHash(
                    md5=normalise_hex(values.get("md5"), "md5"),
                    sha1=normalise_hex(values.get("sha1"), "sha1"),
                    sha256=normalise_hex(values.get("sha256"), "sha256"),
                    category=UnifiedCategory.NON_PERTINENT,
                    source_scheme="nsrl",
                    extra={k: values[k] for k in ("file_name", "file_size") if k in values},
                )
            except RecordError as exc:
                report.skip(number, exc.field, exc.reason)
                continue
            yield record
    finally:
        db.close()

"""NSRL RDS v3: a SQLite database of known benign software files, imported as an ignore set."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from footprint.errors import RecordError
from footprint.hashsets.model import (
    ImportReport,
    KnownHash,
    UnifiedCategory,
    normalise_hex,
    present,
)

_WANTED = ("sha256", "sha1", "md5", "file_name", "file_size")


STEPS_PER_CHECK = 10_000  # SQLite instructions between two looks at the budget
STEPS_PER_ROW = 1_000_000  # instructions a row of FILE may cost at most (a scan needs ~100)


def _opened(path: Path) -> tuple[sqlite3.Connection, list[str]]:
    """The file opened read-only, with FILE's wanted columns. FILE must be a table: a view
    (a recursive one never ends) or anything else is refused, and nothing in the file's schema
    may call functions of ours (trusted_schema off)."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        db.execute("PRAGMA trusted_schema = OFF")
        kind = db.execute(
            "SELECT type FROM sqlite_master WHERE name = 'FILE' COLLATE NOCASE"
        ).fetchone()
        columns = {row[1].lower() for row in db.execute("PRAGMA table_info(FILE)")}
    except sqlite3.DatabaseError as exc:
        raise RecordError("file", f"not an NSRL RDS v3 SQLite database: {exc}") from exc
    if kind is not None and kind[0] != "table":
        db.close()
        raise RecordError("FILE", f"a {kind[0]}, not a table: not an NSRL RDS v3 database")
    if kind is None or not columns & {"sha256", "sha1", "md5"}:
        db.close()
        raise RecordError("FILE", "table FILE with sha256/sha1/md5 columns not found (RDS v3)")
    return db, [c for c in _WANTED if c in columns]


class _Budget:
    """Bounds a read of FILE: no more rows than the file has bytes (a real row takes several),
    and no more than STEPS_PER_ROW instructions of SQLite's per row, so that a corrupt file
    (a page that points back at itself) ends with an error instead of going on for ever."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self.rows_left = max(path.stat().st_size, 1)
        self._checks = 0
        db.set_progress_handler(self._step, STEPS_PER_CHECK)

    def _step(self) -> int:
        self._checks += 1
        return int(self._checks * STEPS_PER_CHECK > STEPS_PER_ROW)  # non-zero: interrupt

    def row(self, number: int) -> None:
        self._checks = 0
        self.rows_left -= 1
        if self.rows_left < 0:
            raise RecordError("FILE", f"row {number:,}: more rows than the file can hold")


def read_nsrl(path: Path, report: ImportReport) -> Iterator[KnownHash]:
    db, chosen = _opened(path)
    report.header = {"table": "FILE", "columns": chosen}
    budget = _Budget(db, path)
    try:
        for number, row in enumerate(_rows(db, f"SELECT {', '.join(chosen)} FROM FILE"), 1):
            budget.row(number)
            values = dict(zip(chosen, row, strict=True))
            try:
                record = KnownHash(
                    signals=present(
                        {k: normalise_hex(values.get(k), k) for k in ("md5", "sha1", "sha256")}
                    ),
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


def _rows(db: sqlite3.Connection, query: str) -> Iterator[tuple[object, ...]]:
    try:
        yield from db.execute(query)
    except sqlite3.OperationalError as exc:  # "interrupted" by the budget, or a corrupt page
        raise RecordError("FILE", f"cannot be read to its end ({exc})") from None
    except sqlite3.DatabaseError as exc:
        raise RecordError("FILE", f"corrupt ({exc})") from None

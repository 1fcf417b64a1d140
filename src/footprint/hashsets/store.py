"""The embedded known-hash store: one SQLite file plus saved indexes per set.

Known-hash sets live beside the triage workstation, not in the operations database: they run to
10^7 records, must open ready to match in seconds, and an examiner's machine is air-gapped.
A record's signals are rows of (kind, value) in `known_signals`, one index over both, so a new
signal kind needs no schema change; values are stored as their kind encodes them (hex digests as
BLOBs, half the size). A kind matched by distance (PDQ) keeps its index beside the store, built
once per set version, so that opening a matcher maps it from disk instead of reading rows.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from footprint.errors import NotFound
from footprint.hashsets.model import GradingVote, KnownHash, SetKind, UnifiedCategory
from footprint.matching import Describe, Details, IndexedSet, Match, Matcher
from footprint.signals import DEFAULT_PDQ_RADIUS, PDQ, SignalKind, signal_kind, signal_kinds

BATCH = 5_000
NEGATIVE_BANK = "false-positives"  # the ignore set of rejected matches (negative_bank.py)
CACHE_KIB = 64 * 1024  # page cache per connection, as the operations database has
BULK_CACHE_KIB = 512 * 1024  # while a large import writes: the key index of 10^7 records
BULK_RECORDS = 100_000  # an import this large may build the signal index at its end
# SQLite's sorter may sort that index with helper threads: the file's reader has finished by
# then, so its core is free
SORT_THREADS = max(0, min(3, (os.cpu_count() or 1) - 1))

_SIGNALS_INDEX = "CREATE INDEX IF NOT EXISTS known_signals_value ON known_signals(kind, value)"
SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS hash_sets (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    pdq_radius INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS known_hashes (
    id INTEGER PRIMARY KEY,
    set_id INTEGER NOT NULL REFERENCES hash_sets(id),
    dedupe_key BLOB NOT NULL,
    record_id TEXT,
    photodna TEXT,
    source_scheme TEXT, source_category TEXT,
    category TEXT NOT NULL,
    victim_identified INTEGER, offender_identified INTEGER, distributed INTEGER,
    series TEXT, date_updated TEXT,
    votes TEXT, extra TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS known_hashes_key ON known_hashes(set_id, dedupe_key);
CREATE TABLE IF NOT EXISTS known_signals (
    hash_id INTEGER NOT NULL REFERENCES known_hashes(id),
    kind TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (hash_id, kind)
) WITHOUT ROWID;
-- every correction a person made to a record, with who, when and why: appended, never changed
CREATE TABLE IF NOT EXISTS record_history (
    id INTEGER PRIMARY KEY,
    hash_id INTEGER NOT NULL,
    set_id INTEGER NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS record_history_hash ON record_history(hash_id);
"""
    + f"{_SIGNALS_INDEX};\n"
)
# What a person may correct on a known record (hashsets/corrections.py), as stored.
CORRECTABLE = (
    "category",
    "source_scheme",
    "source_category",
    "victim_identified",
    "offender_identified",
    "distributed",
    "series",
)

# Stores written before signals became rows had a column per kind: moved over on opening.
_COLUMN_KINDS = ("md5", "sha1", "sha256", "pdq")

_COLUMNS = (
    "set_id, dedupe_key, record_id, photodna, source_scheme, source_category, category, "
    "victim_identified, offender_identified, distributed, series, date_updated, votes, extra"
)
_MERGED_COLUMNS = [
    "record_id",
    "photodna",
    "victim_identified",
    "offender_identified",
    "distributed",
    "series",
    "date_updated",
]
# A duplicate (same key in the same set) fills the gaps of the first record; it never overwrites
# (its signals too: a kind the first record lacks is added, one it has is kept).
# The update runs only where it fills a gap, so that SQLite counts as changes only what changed:
# an import that brings nothing new leaves the set's version where it was.
_MERGE = ", ".join(f"{c} = coalesce(known_hashes.{c}, excluded.{c})" for c in _MERGED_COLUMNS)
_FILLS_A_GAP = " OR ".join(
    f"(known_hashes.{c} IS NULL AND excluded.{c} IS NOT NULL)" for c in _MERGED_COLUMNS
)
_INSERT = (  # {set_id}: filled in per import (an int)
    f"INSERT INTO known_hashes ({_COLUMNS}) VALUES ({{set_id}}, {', '.join('?' * 13)}) "
    f"ON CONFLICT(set_id, dedupe_key) DO UPDATE SET {_MERGE} WHERE {_FILLS_A_GAP}"
)
_INSERT_SIGNAL = "INSERT OR IGNORE INTO known_signals (hash_id, kind, value) VALUES (?, ?, ?)"
# a batch's signals by each record's place in it, when its records took ids {first} onwards
_INSERT_SIGNAL_AT = (
    "INSERT OR IGNORE INTO known_signals (hash_id, kind, value) VALUES (? + {first}, ?, ?)"
)
KEYS_PER_QUERY = 500  # dedupe keys asked for in one IN list
# The key a record is merged on: VICS keys on MD5; without one, the next strongest signal.
# The built-in kinds keep the one-letter prefixes stores were first written with.
_KEY_PREFIXES = {"md5": b"m", "sha1": b"1", "sha256": b"2", "pdq": b"p"}


@dataclass(frozen=True, slots=True)
class HashSetInfo:
    id: int
    name: str
    kind: SetKind
    pdq_radius: int
    version: int
    records: int
    created_at: str
    updated_at: str
    meta: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.name}@v{self.version}"

    def threshold(self, kind: SignalKind) -> int:
        """How far a value of a distance kind may be from this set's and still match."""
        if kind is PDQ:
            return self.pdq_radius
        return int(self.meta.get("thresholds", {}).get(kind.name, kind.default_threshold))

    @property
    def index_stem(self) -> str:
        """Names this set version's saved indexes: rebuilt when the version moves on."""
        return f"set{self.id}.v{self.version}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _flag(value: int | None) -> bool | None:
    return None if value is None else bool(value)


def dedupe_key(record: KnownHash, kinds: Sequence[SignalKind] | None = None) -> bytes:
    """The first signal in registry order (md5, sha1, sha256, pdq, then any added); `kinds`:
    the registry's kinds, when a batch has them at hand already."""
    for kind in kinds if kinds is not None else list(signal_kinds()):
        value = record.signals.get(kind.name)
        if value:
            prefix = _KEY_PREFIXES.get(kind.name, kind.name.encode() + b"\x00")
            return prefix + kind.encode(value)
    return b"d" + (record.photodna or "").encode()


# Records as the store writes them, made where they are read (perhaps in another process), in
# plain tuples (batches of them cross between processes; named ones cost twice to unpickle):
# each record's row (its dedupe key, then its columns after `set_id`), and each signal as (the
# record's place in the batch, kind, stored value). The writer binds them as they are.
RecordRow = tuple[Any, ...]
SignalRow = tuple[int, str, bytes]
PreparedBatch = tuple[list[RecordRow], list[SignalRow]]
# A large file's batches: twice the size, each in key order (see `prepare_batches`).
LARGE_BATCH = 10_000


def prepare_batches(
    records: Iterable[KnownHash], size: int = BATCH, in_key_order: bool = False
) -> Iterator[PreparedBatch]:
    """`in_key_order`: each batch's records sorted by dedupe key (stably: a duplicate still
    merges into the one before it in the file), so that the key index takes them in order
    (10^7 records: the writer's CPU 171 s -> 158 s). The records' ids then follow each
    batch's key order instead of the file's, which only an export's order shows."""
    ordered = list(signal_kinds())  # looked up once, not per record
    kinds = {kind.name: kind for kind in ordered}
    rows: list[RecordRow] = []
    signals: list[SignalRow] = []
    for record in records:
        place = len(rows)
        rows.append(_record_row(record, ordered))
        for kind, value in record.signals.items():
            found = kinds.get(kind) or signal_kind(kind)  # an unknown kind is refused by name
            signals.append((place, kind, found.encode(value)))
        if len(rows) >= size:
            yield _key_ordered(rows, signals) if in_key_order else (rows, signals)
            rows, signals = [], []
    if rows:
        yield _key_ordered(rows, signals) if in_key_order else (rows, signals)


def _key_ordered(rows: list[RecordRow], signals: list[SignalRow]) -> PreparedBatch:
    keys = [row[0] for row in rows]
    order = sorted(range(len(rows)), key=keys.__getitem__)
    place = [0] * len(rows)
    for new, old in enumerate(order):
        place[old] = new
    # the signals stay in the file's order: their records' ids are the batch's last few pages
    return [rows[n] for n in order], [(place[old], kind, value) for old, kind, value in signals]


def _record_row(record: KnownHash, ordered: Sequence[SignalKind]) -> RecordRow:
    votes = [
        {"grader": v.grader, "category": str(v.category), "voted_at": v.voted_at}
        for v in record.votes
    ]
    return (
        dedupe_key(record, ordered),
        record.record_id,
        record.photodna,
        record.source_scheme,
        record.source_category,
        str(record.category),
        record.victim_identified,
        record.offender_identified,
        record.distributed,
        record.series,
        record.date_updated,
        json.dumps(votes) if votes else None,
        json.dumps(record.extra) if record.extra else None,
    )


def _signals_of(stored: str | None) -> dict[str, str]:
    """A record's signals from json_group_object(kind, hex(value)), in registry order."""
    found = json.loads(stored or "{}")
    ordered = [k.name for k in signal_kinds() if k.name in found]
    ordered += sorted(set(found) - set(ordered))  # a kind no longer registered: kept as hex
    return {k: _decoded(k, bytes.fromhex(found[k])) for k in ordered}


def _decoded(kind: str, stored: bytes) -> str:
    try:
        return signal_kind(kind).decode(stored)
    except ValueError:
        return stored.hex()


def _record(row: sqlite3.Row) -> KnownHash:
    votes = [
        GradingVote(v["grader"], UnifiedCategory(v["category"]), v.get("voted_at"))
        for v in json.loads(row["votes"] or "[]")
    ]
    return KnownHash(
        record_id=row["record_id"],
        signals=_signals_of(row["signals"]),
        photodna=row["photodna"],
        source_scheme=row["source_scheme"],
        source_category=row["source_category"],
        category=UnifiedCategory(row["category"]),
        victim_identified=_flag(row["victim_identified"]),
        offender_identified=_flag(row["offender_identified"]),
        distributed=_flag(row["distributed"]),
        series=row["series"],
        date_updated=row["date_updated"],
        votes=votes,
        extra=json.loads(row["extra"] or "{}"),
    )


class SetNotFound(NotFound):
    pass


class KnownHashStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # readers never wait in WAL mode; writers queue on `writing`, this is a last resort
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=60)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        # lookups walk the (kind, value) index then the record: keep the hot pages in memory
        self.db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        self.db.executescript(SCHEMA)
        self._move_signal_columns()

    def _move_signal_columns(self) -> None:
        """A store from before signals were rows: its digest and PDQ columns become rows of
        `known_signals` (ids kept, so saved indexes stay valid), in one transaction."""
        columns = {r[1] for r in self.db.execute("PRAGMA table_info(known_hashes)")}
        old = [c for c in _COLUMN_KINDS if c in columns]
        if not old:
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for column in old:
                self.db.execute(
                    f"INSERT OR IGNORE INTO known_signals (hash_id, kind, value) "
                    f"SELECT id, '{column}', {column} FROM known_hashes "
                    f"WHERE {column} IS NOT NULL"
                )
                self.db.execute(f"DROP INDEX IF EXISTS known_hashes_{column}")
                self.db.execute(f"ALTER TABLE known_hashes DROP COLUMN {column}")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    @property
    def sidecar_dir(self) -> Path:
        return self.path.with_suffix(".pdq")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> KnownHashStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """One import at a time, across threads and processes: the next waits its turn on an
        exclusive flock of `<store>.writers` (an import may take minutes, longer than any busy
        timeout), so a second import finishes after the first instead of failing "locked"."""
        with self.path.with_suffix(".writers").open("a+b") as gate:
            fcntl.flock(gate, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(gate, fcntl.LOCK_UN)

    # --- sets ---------------------------------------------------------------------------------

    def ensure_set(self, name: str, kind: SetKind, pdq_radius: int = DEFAULT_PDQ_RADIUS) -> int:
        now = _now()
        self.db.execute(
            "INSERT INTO hash_sets (name, kind, pdq_radius, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(name) DO NOTHING",
            (name, str(kind), pdq_radius, now, now),
        )
        return int(
            self.db.execute("SELECT id FROM hash_sets WHERE name = ?", (name,)).fetchone()[0]
        )

    _SETS_SQL = (
        "SELECT s.*, (SELECT count(*) FROM known_hashes k WHERE k.set_id = s.id) AS records "
        "FROM hash_sets s"
    )

    def versions(self) -> dict[str, int]:
        """Every set's name and version, without counting records (cheap at any size)."""
        rows = self.db.execute("SELECT name, version FROM hash_sets ORDER BY name")
        return {name: version for name, version in rows}

    def sets(self) -> list[HashSetInfo]:
        rows = self.db.execute(self._SETS_SQL + " ORDER BY s.name").fetchall()
        return [self._info(r) for r in rows]

    def get_set(self, name: str) -> HashSetInfo:
        """One set, counting only its own records (a store may hold 10^7 in other sets)."""
        row = self.db.execute(self._SETS_SQL + " WHERE s.name = ?", (name,)).fetchone()
        if row is not None:
            return self._info(row)
        names = [r[0] for r in self.db.execute("SELECT name FROM hash_sets ORDER BY name")]
        raise SetNotFound(f"hash set {name!r} not found (sets: {', '.join(names) or 'none yet'})")

    @staticmethod
    def _info(row: sqlite3.Row) -> HashSetInfo:
        return HashSetInfo(
            row["id"],
            row["name"],
            SetKind(row["kind"]),
            row["pdq_radius"],
            row["version"],
            row["records"],
            row["created_at"],
            row["updated_at"],
            json.loads(row["meta"]),
        )

    def category_counts(self, set_id: int) -> dict[str, int]:
        rows = self.db.execute(
            "SELECT category, count(*) FROM known_hashes WHERE set_id = ? GROUP BY category",
            (set_id,),
        )
        return {r[0]: r[1] for r in rows}

    # --- writing ------------------------------------------------------------------------------

    def count(self, set_id: int) -> int:
        row = self.db.execute("SELECT count(*) FROM known_hashes WHERE set_id = ?", (set_id,))
        return int(row.fetchone()[0])

    def write_records(self, set_id: int, records: Iterable[KnownHash]) -> int:
        """Upsert records inside the caller's transaction; returns how many were written."""
        return self.write_prepared(set_id, prepare_batches(records))

    def write_prepared(self, set_id: int, batches: Iterable[PreparedBatch]) -> int:
        """Upsert prepared batches inside the caller's transaction."""
        insert = _INSERT.format(set_id=int(set_id))  # a literal: no tuple rebuilt per row
        written = 0
        highest = self._highest_id()  # only these inserts add rows while the batches go in
        for rows, signals in batches:
            self.db.executemany(insert, rows)
            before, highest = highest, self._highest_id()
            if highest == before + len(rows):
                # Every key was new. SQLite gives a new row max(id) + 1, so they took the
                # next ids in order (this import holds the writers' lock). Asking for each
                # record's id instead had doubled the import.
                first = int(before + 1)
                self.db.executemany(_INSERT_SIGNAL_AT.format(first=first), signals)
            else:  # some merged into a row already there: each key's row, asked for
                ids = self._ids_of(set_id, [row[0] for row in rows])
                self.db.executemany(_INSERT_SIGNAL, [(ids[n], k, v) for n, k, v in signals])
            written += len(rows)
        return written

    @contextmanager
    def bulk_load(self, expected_records: int) -> Iterator[None]:
        """Inside the caller's transaction, around writing an import of about
        `expected_records`: a page cache that holds the key index, and, when the import is
        at least as large as the store already is, the (kind, value) index of signals built
        once at the end instead of updated row by row (a sort instead of 10^7 random inserts:
        a third faster at 10^6 records), by the sorter's threads as well as this one. A
        rollback brings the index back with the rest."""
        rebuild = expected_records >= max(BULK_RECORDS, self._highest_id())
        self.db.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
        self.db.execute(f"PRAGMA threads={SORT_THREADS}")
        try:
            if rebuild:
                self.db.execute("DROP INDEX IF EXISTS known_signals_value")
            yield
            if rebuild:
                # The usual cache again first: SQLite's sorter takes its memory from it, and in
                # smaller runs its threads sort more of the work (10^7 records: 26.6 s and 1 GiB
                # more memory with the bulk cache, 16.7 s with this one)
                self.db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
                self.db.execute(_SIGNALS_INDEX)
        finally:
            self.db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            self.db.execute("PRAGMA threads=0")

    def _ids_of(self, set_id: int, keys: list[bytes]) -> list[int]:
        """The row id of each key (all of them in the set), in the order given."""
        known: dict[bytes, int] = {}
        fresh = list(dict.fromkeys(keys))
        for start in range(0, len(fresh), KEYS_PER_QUERY):
            chunk = fresh[start : start + KEYS_PER_QUERY]
            rows = self.db.execute(
                f"SELECT dedupe_key, id FROM known_hashes WHERE set_id = ? "
                f"AND dedupe_key IN ({','.join('?' * len(chunk))})",
                (set_id, *chunk),
            )
            known.update(rows)
        return [known[key] for key in keys]

    def _highest_id(self) -> int:
        return int(self.db.execute("SELECT coalesce(max(id), 0) FROM known_hashes").fetchone()[0])

    def record_ids_of(
        self, set_id: int, record_id: str, source_scheme: str | None = None
    ) -> list[int]:
        """The row ids of the set's records with this record id (and from this source scheme,
        when one is named: ids from different sources may coincide)."""
        query = "SELECT id FROM known_hashes WHERE set_id = ? AND record_id = ?"
        if source_scheme is not None:
            rows = self.db.execute(
                query + " AND source_scheme = ?", (set_id, record_id, source_scheme)
            )
        else:
            rows = self.db.execute(query, (set_id, record_id))
        return [r[0] for r in rows]

    def remove_records(self, set_id: int, record_id: str, source_scheme: str | None = None) -> int:
        """Delete the set's records with this record id (from this source scheme, when named),
        and their signals, inside the caller's transaction (the set's version must move on: its
        saved indexes name the version)."""
        return self.remove_named(set_id, [record_id], source_scheme)[0]

    def remove_named(
        self, set_id: int, record_ids: Sequence[str], source_scheme: str | None = None
    ) -> tuple[int, int]:
        """As `remove_records`, for many record ids in one pass over the set (record ids are
        not indexed: one pass each took a second per id at 10^7 records); returns how many
        records went and how many of the ids named none."""
        if not record_ids:  # the pass would still walk every record of the set
            return 0, 0
        query = (
            "SELECT id, record_id FROM known_hashes WHERE set_id = ? "
            "AND record_id IN (SELECT value FROM json_each(?))"
        )
        params: list[Any] = [set_id, json.dumps(list(record_ids))]
        if source_scheme is not None:
            query += " AND source_scheme = ?"
            params.append(source_scheme)
        rows = self.db.execute(query, params).fetchall()
        doomed = [(row[0],) for row in rows]
        self.db.executemany("DELETE FROM known_signals WHERE hash_id = ?", doomed)
        self.db.executemany("DELETE FROM known_hashes WHERE id = ?", doomed)
        return len(doomed), len(set(record_ids) - {row[1] for row in rows})

    def correct_record(
        self, hash_id: int, changes: dict[str, Any], changed_by: str, reason: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Change those of a record's correctable fields that differ, inside the caller's
        transaction, appending the change to its history; returns (before, after) of what
        changed (both empty when nothing did: no history then)."""
        if not changes or set(changes) - set(CORRECTABLE):
            raise ValueError(f"correctable fields are {', '.join(CORRECTABLE)}: {changes!r}")
        row = self.db.execute(
            f"SELECT set_id, {', '.join(changes)} FROM known_hashes WHERE id = ?", (hash_id,)
        ).fetchone()
        before = {c: row[c] for c, v in changes.items() if row[c] != v}
        after = {c: changes[c] for c in before}
        if not after:
            return {}, {}
        assignments = ", ".join(f"{c} = ?" for c in after)
        self.db.execute(
            f"UPDATE known_hashes SET {assignments} WHERE id = ?", (*after.values(), hash_id)
        )
        self.db.execute(
            "INSERT INTO record_history (hash_id, set_id, changed_at, changed_by, reason, "
            "before, after) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                hash_id,
                row["set_id"],
                _now(),
                changed_by,
                reason,
                json.dumps(before),
                json.dumps(after),
            ),
        )
        return before, after

    def history(self, hash_id: int) -> list[dict[str, Any]]:
        """A record's corrections, oldest first."""
        rows = self.db.execute(
            "SELECT changed_at, changed_by, reason, before, after FROM record_history "
            "WHERE hash_id = ? ORDER BY id",
            (hash_id,),
        )
        return [
            {**dict(r), "before": json.loads(r["before"]), "after": json.loads(r["after"])}
            for r in rows
        ]

    def bump_version(self, set_id: int, meta_update: dict[str, Any]) -> None:
        row = self.db.execute("SELECT meta FROM hash_sets WHERE id = ?", (set_id,)).fetchone()
        meta = json.loads(row[0])
        meta.update(meta_update)
        self.db.execute(
            "UPDATE hash_sets SET version = version + 1, updated_at = ?, meta = ? WHERE id = ?",
            (_now(), json.dumps(meta), set_id),
        )

    # --- reading ------------------------------------------------------------------------------

    _RECORDS_SQL = (
        "SELECT k.*, (SELECT json_group_object(s.kind, lower(hex(s.value))) "
        "FROM known_signals s WHERE s.hash_id = k.id) AS signals FROM known_hashes k "
    )

    def records(self, set_id: int) -> Iterator[KnownHash]:
        cursor = self.db.execute(self._RECORDS_SQL + "WHERE k.set_id = ? ORDER BY k.id", (set_id,))
        for row in cursor:
            yield _record(row)

    def record(self, hash_id: int) -> KnownHash:
        row = self.db.execute(self._RECORDS_SQL + "WHERE k.id = ?", (hash_id,)).fetchone()
        if row is None:
            raise NotFound(f"known record {hash_id} not found")
        return _record(row)

    def find_records(self, set_id: int, reference: str) -> list[int]:
        """The row ids of the set's records a person's reference names: their record id, or one
        of their hashes (any registered kind that takes the text as a value)."""
        found = dict.fromkeys(self.record_ids_of(set_id, reference))
        for kind in signal_kinds():
            try:
                stored = kind.encode(kind.validate(reference))
            except ValueError:
                continue
            rows = self.db.execute(
                "SELECT s.hash_id FROM known_signals s JOIN known_hashes k ON k.id = s.hash_id "
                "WHERE k.set_id = ? AND s.kind = ? AND s.value = ?",
                (set_id, kind.name, stored),
            )
            found.update(dict.fromkeys(r[0] for r in rows))
        return list(found)

    def source_schemes(self, set_id: int) -> set[str | None]:
        rows = self.db.execute(
            "SELECT DISTINCT source_scheme FROM known_hashes WHERE set_id = ?", (set_id,)
        )
        return {r[0] for r in rows}

    # --- matching -----------------------------------------------------------------------------

    def _index_rows(self, info: HashSetInfo, kind: SignalKind) -> tuple[list[int], list[bytes]]:
        # CROSS JOIN keeps the kind's signals as the outer loop: left to itself the planner
        # walked every record of the set and probed each for the kind (32 s at 10^7 records
        # for a kind the set has none of).
        rows = self.db.execute(
            "SELECT s.hash_id, s.value FROM known_signals s CROSS JOIN known_hashes k "
            "ON k.id = s.hash_id WHERE k.set_id = ? AND s.kind = ? ORDER BY s.hash_id",
            (info.id, kind.name),
        ).fetchall()
        return [r[0] for r in rows], [r[1] for r in rows]

    def pdq_tables(self, info: HashSetInfo) -> list[tuple[str, Path]]:
        """The set's PDQ index tables, saved once per set version (the scan workers map them
        for the fast path's safeguard); older versions' files are removed."""
        tables = PDQ.saved_tables(
            lambda: self._index_rows(info, PDQ), self.sidecar_dir, info.index_stem
        )
        for stale in self.sidecar_dir.glob(f"set{info.id}.v*.npy"):
            if stale not in {path for _, path in tables}:
                stale.unlink(missing_ok=True)
        return tables

    def open_matcher(self, names: Sequence[str]) -> tuple[Matcher, list[HashSetInfo]]:
        """A matcher over the named sets and, always, the negative bank where the store has
        one: a file an examiner rejected as a false positive is suppressed from then on."""
        bank = NEGATIVE_BANK
        wanted = [*names, bank] if bank not in names and bank in self.versions() else names
        infos = [self.get_set(n) for n in wanted]
        indexed = []
        for info in infos:
            for kind in signal_kinds():
                if kind.exact:
                    continue
                index = kind.open_index(
                    lambda i=info, k=kind: self._index_rows(i, k),  # type: ignore[misc]
                    self.sidecar_dir,
                    info.index_stem,
                )
                indexed.append(
                    IndexedSet(
                        info.name,
                        kind.name,
                        info.threshold(kind),
                        info.kind is SetKind.IGNORE,
                        index,
                        self._describer(info, kind.name),
                    )
                )
        return Matcher(_ExactLookup(self.db, infos), indexed), infos

    def _describer(self, info: HashSetInfo, kind: str) -> Describe:
        def describe(hits: list[tuple[int, int]], details: Details) -> list[Match]:
            distance = dict(hits)
            marks = ",".join("?" * len(hits))
            rows = self.db.execute(
                f"SELECT id, record_id, category FROM known_hashes WHERE id IN ({marks})",
                list(distance),
            )
            ignore = info.kind is SetKind.IGNORE
            return [
                Match(info.name, r[1], kind, distance[r[0]], r[2], ignore, details.get(r[0]))
                for r in rows
            ]

        return describe


class _ExactLookup:
    def __init__(self, db: sqlite3.Connection, infos: list[HashSetInfo]) -> None:
        self.db = db
        self.by_id = {i.id: i for i in infos}
        marks = ",".join("?" * len(infos))
        self.query = (
            "SELECT k.set_id, k.record_id, k.category FROM known_signals s "
            "JOIN known_hashes k ON k.id = s.hash_id "
            f"WHERE s.kind = ? AND s.value = ? AND k.set_id IN ({marks})"
        )

    def lookup(self, kind: str, value: str) -> list[Match]:
        stored = signal_kind(kind).encode(value)
        rows = self.db.execute(self.query, (kind, stored, *self.by_id))
        matches = []
        for set_id, record_id, category in rows:
            info = self.by_id[set_id]
            matches.append(
                Match(info.name, record_id, kind, 0, category, info.kind is SetKind.IGNORE)
            )
        return matches

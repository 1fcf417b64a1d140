"""The embedded known-hash store: one SQLite file plus a PDQ sidecar per set.

Known-hash sets live beside the triage workstation, not in the operations database: they run to
10^7 records, must open ready to match in seconds, and an examiner's machine is air-gapped.
Digests are stored as BLOBs (half the size of hex) with an index per digest kind; each set's PDQ
hashes are also compiled into two .npy files after every import, so that opening a matcher maps
them from disk instead of reading millions of rows.
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from footprint.hashsets.model import GradingVote, KnownHash, SetKind, UnifiedCategory
from footprint.matching import IndexTables, Match, Matcher, PdqIndex, PdqSet

DEFAULT_PDQ_RADIUS = 31
BATCH = 5_000
_TABLES = ("hashes", "ids", "order", "offsets")

SCHEMA = """
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
    md5 BLOB, sha1 BLOB, sha256 BLOB, pdq BLOB,
    photodna TEXT,
    source_scheme TEXT, source_category TEXT,
    category TEXT NOT NULL,
    victim_identified INTEGER, offender_identified INTEGER, distributed INTEGER,
    series TEXT, date_updated TEXT,
    votes TEXT, extra TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS known_hashes_key ON known_hashes(set_id, dedupe_key);
CREATE INDEX IF NOT EXISTS known_hashes_md5 ON known_hashes(md5) WHERE md5 IS NOT NULL;
CREATE INDEX IF NOT EXISTS known_hashes_sha1 ON known_hashes(sha1) WHERE sha1 IS NOT NULL;
CREATE INDEX IF NOT EXISTS known_hashes_sha256 ON known_hashes(sha256) WHERE sha256 IS NOT NULL;
"""

_COLUMNS = (
    "set_id, dedupe_key, record_id, md5, sha1, sha256, pdq, photodna, source_scheme, "
    "source_category, category, victim_identified, offender_identified, distributed, series, "
    "date_updated, votes, extra"
)
_MERGED_COLUMNS = [
    "record_id",
    "sha1",
    "sha256",
    "pdq",
    "photodna",
    "victim_identified",
    "offender_identified",
    "distributed",
    "series",
    "date_updated",
]
# A duplicate (same key in the same set) fills the gaps of the first record; it never overwrites.
_MERGE = ", ".join(f"{c} = coalesce(known_hashes.{c}, excluded.{c})" for c in _MERGED_COLUMNS)
_INSERT = (
    f"INSERT INTO known_hashes ({_COLUMNS}) VALUES ({', '.join('?' * 18)}) "
    f"ON CONFLICT(set_id, dedupe_key) DO UPDATE SET {_MERGE}"
)


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


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _blob(hex_value: str | None) -> bytes | None:
    return bytes.fromhex(hex_value) if hex_value else None


def _hex(blob: bytes | None) -> str | None:
    return blob.hex() if blob is not None else None


def _flag(value: int | None) -> bool | None:
    return None if value is None else bool(value)


def dedupe_key(record: KnownHash) -> bytes:
    """VICS keys on MD5; records without one fall back to the next strongest hash."""
    for prefix, value in ((b"m", record.md5), (b"1", record.sha1), (b"2", record.sha256)):
        if value:
            return prefix + bytes.fromhex(value)
    if record.pdq:
        return b"p" + bytes.fromhex(record.pdq)
    return b"d" + (record.photodna or "").encode()


def _row(set_id: int, record: KnownHash) -> tuple[Any, ...]:
    votes = [
        {"grader": v.grader, "category": str(v.category), "voted_at": v.voted_at}
        for v in record.votes
    ]
    return (
        set_id,
        dedupe_key(record),
        record.record_id,
        _blob(record.md5),
        _blob(record.sha1),
        _blob(record.sha256),
        _blob(record.pdq),
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


def _record(row: sqlite3.Row) -> KnownHash:
    votes = [
        GradingVote(v["grader"], UnifiedCategory(v["category"]), v.get("voted_at"))
        for v in json.loads(row["votes"] or "[]")
    ]
    return KnownHash(
        record_id=row["record_id"],
        md5=_hex(row["md5"]),
        sha1=_hex(row["sha1"]),
        sha256=_hex(row["sha256"]),
        pdq=_hex(row["pdq"]),
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


class SetNotFound(LookupError):
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
        self.db.executescript(SCHEMA)

    @property
    def sidecar_dir(self) -> Path:
        return self.path.with_suffix(".pdq")

    def close(self) -> None:
        self.db.close()

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
        written = 0
        batch: list[tuple[Any, ...]] = []
        for record in records:
            batch.append(_row(set_id, record))
            if len(batch) >= BATCH:
                self.db.executemany(_INSERT, batch)
                written += len(batch)
                batch.clear()
        if batch:
            self.db.executemany(_INSERT, batch)
            written += len(batch)
        return written

    def bump_version(self, set_id: int, meta_update: dict[str, Any]) -> None:
        row = self.db.execute("SELECT meta FROM hash_sets WHERE id = ?", (set_id,)).fetchone()
        meta = json.loads(row[0])
        meta.update(meta_update)
        self.db.execute(
            "UPDATE hash_sets SET version = version + 1, updated_at = ?, meta = ? WHERE id = ?",
            (_now(), json.dumps(meta), set_id),
        )

    # --- reading ------------------------------------------------------------------------------

    def records(self, set_id: int) -> Iterator[KnownHash]:
        cursor = self.db.execute(
            "SELECT * FROM known_hashes WHERE set_id = ? ORDER BY id", (set_id,)
        )
        for row in cursor:
            yield _record(row)

    def source_schemes(self, set_id: int) -> set[str | None]:
        rows = self.db.execute(
            "SELECT DISTINCT source_scheme FROM known_hashes WHERE set_id = ?", (set_id,)
        )
        return {r[0] for r in rows}

    # --- matching -----------------------------------------------------------------------------

    def compile_pdq(self, info: HashSetInfo) -> dict[str, Path]:
        """Build the set's PDQ index once per set version and save its tables as .npy files."""
        self.sidecar_dir.mkdir(exist_ok=True)
        stem = f"set{info.id}.v{info.version}"
        paths = {name: self.sidecar_dir / f"{stem}.{name}.npy" for name in _TABLES}
        if all(p.exists() for p in paths.values()):
            return paths
        rows = self.db.execute(
            "SELECT id, pdq FROM known_hashes WHERE set_id = ? AND pdq IS NOT NULL ORDER BY id",
            (info.id,),
        ).fetchall()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        hashes = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.uint8).reshape(-1, 32)
        tables = IndexTables.build(hashes, ids)
        for name, path in paths.items():
            tmp = path.with_name(path.name + ".tmp.npy")
            np.save(tmp, getattr(tables, name))
            tmp.replace(path)
        for stale in self.sidecar_dir.glob(f"set{info.id}.v*.npy"):
            if stale not in paths.values():
                stale.unlink(missing_ok=True)
        return paths

    def open_matcher(self, names: Sequence[str]) -> tuple[Matcher, list[HashSetInfo]]:
        infos = [self.get_set(n) for n in names]
        pdq_sets = []
        for info in infos:
            paths = self.compile_pdq(info)
            tables = IndexTables.load(paths.items())
            if len(tables.ids):
                pdq_sets.append(
                    PdqSet(
                        info.name,
                        info.pdq_radius,
                        info.kind is SetKind.IGNORE,
                        PdqIndex.from_tables(tables),
                        self._describer(info),
                    )
                )
        return Matcher(_ExactLookup(self.db, infos), pdq_sets), infos

    def _describer(self, info: HashSetInfo) -> Callable[[list[tuple[int, int]]], list[Match]]:
        def describe(hits: list[tuple[int, int]]) -> list[Match]:
            distance = dict(hits)
            marks = ",".join("?" * len(hits))
            rows = self.db.execute(
                f"SELECT id, record_id, category FROM known_hashes WHERE id IN ({marks})",
                list(distance),
            )
            return [
                Match(info.name, r[1], "pdq", distance[r[0]], r[2], info.kind is SetKind.IGNORE)
                for r in rows
            ]

        return describe


class _ExactLookup:
    def __init__(self, db: sqlite3.Connection, infos: list[HashSetInfo]) -> None:
        self.db = db
        self.by_id = {i.id: i for i in infos}
        marks = ",".join("?" * len(infos))
        self.queries = {
            kind: f"SELECT set_id, record_id, category FROM known_hashes "
            f"WHERE {kind} = ? AND set_id IN ({marks})"
            for kind in ("md5", "sha1", "sha256")
        }

    def lookup(self, kind: str, digest: str) -> list[Match]:
        rows = self.db.execute(self.queries[kind], (bytes.fromhex(digest), *self.by_id))
        matches = []
        for set_id, record_id, category in rows:
            info = self.by_id[set_id]
            matches.append(
                Match(info.name, record_id, kind, 0, category, info.kind is SetKind.IGNORE)
            )
        return matches

"""Large imports: a file read in a helper process imports exactly what reading it here imports;
whatever happens in the helper fails the import whole; the signal index a large import rebuilds
is back after a commit and after a rollback; ids foreseen for a batch land on the right records."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterable, Iterator
from contextlib import closing
from pathlib import Path
from typing import IO, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footprint.hashsets import (
    ImportOptions,
    ImportReport,
    KnownHash,
    KnownHashStore,
    SetKind,
    import_file,
    import_files,
    reading,
)
from footprint.hashsets import store as store_module
from footprint.hashsets.formats import (
    ExportContext,
    HashSetFormat,
    chosen_format,
    register_hashset_format,
    unregister_hashset_format,
)
from footprint.hashsets.service import INDEXING, WRITING
from footprint.hashsets.store import BATCH
from footprint.plugins import load_plugins
from footprint.security.actor import Actor
from footprint.security.roles import Role
from tests.hashsets.conftest import records_of
from tests.hashsets.vics_samples import PDQ_A, md5_of, media, write_case, write_hashset


def _messy_items() -> list[dict[str, Any]]:
    items = [media(n, SHA1=f"{n:040x}") for n in range(1, 40)]
    items[3]["MD5"] = "not hex"  # skipped: no other hash
    items[5]["SHA1"] = "zz"  # imported, the field dropped with a warning
    items[7]["AlternativeHashes"] = [{"HashName": "PDQ", "HashValue": PDQ_A}]
    items[9]["Category"] = 42  # outside the scheme: warned, kept uncategorised
    items.append(media(2, Series="filled by the duplicate"))  # merges into record 2
    return items


@pytest.fixture
def helper_always(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "HELPER_MIN_BYTES", 0)


def _import(tmp_path: Path, name: str, source: Path) -> tuple[ImportReport, list[KnownHash]]:
    with KnownHashStore(tmp_path / f"{name}.sqlite") as known:
        report = import_file(known, source, "set", ImportOptions())
        return report, records_of(known, "set")


def test_a_file_read_in_the_helper_imports_what_reading_it_here_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for source in (
        write_hashset(tmp_path / "set.json", _messy_items(), country="UK"),
        write_case(tmp_path / "case.json", _messy_items(), total=3),
    ):
        monkeypatch.setattr(reading, "HELPER_MIN_BYTES", 10**12)
        here, records_here = _import(tmp_path, f"here-{source.stem}", source)
        monkeypatch.setattr(reading, "HELPER_MIN_BYTES", 0)
        helped, records_helped = _import(tmp_path, f"helped-{source.stem}", source)
        assert helped.as_dict() == here.as_dict()
        # the same records; a large file's go in key order (test_a_large_file_...)
        assert sorted(records_helped, key=repr) == sorted(records_here, key=repr)
        assert here.imported == 38 and here.merged == 1 and len(here.skipped) == 1
        assert {w.field for w in here.warnings} >= {"sha1", "Category"}


def test_what_fails_in_the_helper_fails_the_import_whole(
    tmp_path: Path, helper_always: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "BULK_RECORDS", 0)  # the signal index is dropped too
    good = write_hashset(tmp_path / "good.json", [media(n) for n in range(1, 30)])
    broken = tmp_path / "broken.json"
    broken.write_bytes(good.read_bytes()[:-40])  # cut off in the middle of a record
    with KnownHashStore(tmp_path / "store.sqlite") as known:
        report = import_file(known, broken, "set", ImportOptions())
        assert report.error and "nothing from this file was imported" in report.error
        assert report.imported == 0 and known.sets() == []
        assert _has_signal_index(known.path)  # the rollback brought it back
        assert import_file(known, good, "set", ImportOptions()).imported == 29
        assert _has_signal_index(known.path)
        assert known.open_matcher(["set"])[0].exact.lookup("md5", f"{7:032x}")


def test_a_bulk_load_gives_back_its_cache_and_sorter_threads(tmp_path: Path) -> None:
    """Both settings are the connection's: a matcher opened after an import must not keep an
    import's half-gigabyte cache or the sorter's threads."""
    with KnownHashStore(tmp_path / "store.sqlite") as known:

        def setting(name: str) -> int:
            return int(known.db.execute(f"PRAGMA {name}").fetchone()[0])

        known.db.execute("BEGIN IMMEDIATE")
        with known.bulk_load(store_module.BULK_RECORDS):
            assert setting("cache_size") == -store_module.BULK_CACHE_KIB
            assert setting("threads") == store_module.SORT_THREADS
        known.db.execute("ROLLBACK")
        assert setting("cache_size") == -store_module.CACHE_KIB
        assert setting("threads") == 0


def _has_signal_index(path: Path) -> bool:
    with closing(sqlite3.connect(path)) as db:
        found = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'known_signals_value'")
        return found.fetchone() is not None


READ_HERE: list[Path] = []


class OnlyHere(HashSetFormat):
    """A format registered in this process alone (not by a plugin the helper can load)."""

    name = "only-here"

    def sniff(self, head: bytes) -> bool:
        return head.startswith(b"ONLY-HERE")

    def read(self, path: Path, report: ImportReport, options: ImportOptions) -> Iterator[KnownHash]:
        READ_HERE.append(path)
        for n, line in enumerate(path.read_text().splitlines()[1:], 1):
            yield KnownHash(record_id=str(n), signals={"md5": line.strip()})

    def write(self, records: Iterable[KnownHash], out: IO[str], context: ExportContext) -> int:
        raise NotImplementedError


def test_a_format_the_helper_cannot_load_is_read_here(tmp_path: Path, helper_always: None) -> None:
    register_hashset_format(OnlyHere())
    try:
        source = tmp_path / "only.txt"
        source.write_text("ONLY-HERE\n" + "\n".join(f"{n:032x}" for n in range(5)) + "\n")
        report, records = _import(tmp_path, "only", source)
    finally:
        unregister_hashset_format("only-here")
    assert [source] == READ_HERE
    assert report.imported == 5 and [r.md5 for r in records] == [f"{n:032x}" for n in range(5)]


CRASHING_PLUGIN = """
import os

from footprint.hashsets.formats import HashSetFormat, register_hashset_format


class Crashes(HashSetFormat):
    name = "crashes"

    def sniff(self, head):
        return head.startswith(b"CRASH")

    def read(self, path, report, options):
        os._exit(3)  # what a parser's crash looks like from outside: the process is gone
        yield


register_hashset_format(Crashes())
"""


def test_a_helper_that_dies_fails_the_import_and_says_so(
    tmp_path: Path, helper_always: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "footprint_crashes.py").write_text(CRASHING_PLUGIN)
    monkeypatch.syspath_prepend(str(folder))  # the helper starts with this path too
    load_plugins(["footprint_crashes"])
    try:
        source = tmp_path / "crash.txt"
        source.write_text("CRASH\n")
        with KnownHashStore(tmp_path / "store.sqlite") as known:
            report = import_file(known, source, "set", ImportOptions())
            assert known.sets() == []
    finally:
        unregister_hashset_format("crashes")
        sys.modules.pop("footprint_crashes", None)
    assert report.error and "the process reading it ended unexpectedly (exit 3)" in report.error


# A pool of few MD5s, so that batches mix records new to the set with ones it holds.
_RECORDS = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.one_of(st.none(), st.integers(0, 9)),
        st.one_of(st.none(), st.integers(0, 9)),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(first=_RECORDS, second=_RECORDS, batch=st.integers(1, 6), in_key_order=st.booleans())
def test_each_signal_lands_on_its_own_record(
    tmp_path_factory: pytest.TempPathFactory,
    first: list[tuple[int, int | None, int | None]],
    second: list[tuple[int, int | None, int | None]],
    batch: int,
    in_key_order: bool,
) -> None:
    expected: dict[str, dict[str, str]] = {}  # md5 -> signals: the first value of each kind
    folder = tmp_path_factory.mktemp("batches")
    with KnownHashStore(folder / "store.sqlite") as known:
        set_id = known.ensure_set("set", SetKind.KNOWN)
        for part in (first, second):
            records = [_record(*fields) for fields in part]
            for record in records:
                merged = expected.setdefault(record.signals["md5"], {})
                for kind, value in record.signals.items():
                    merged.setdefault(kind, value)
            batches = store_module.prepare_batches(records, batch, in_key_order)
            known.write_prepared(set_id, batches)
        stored = {r.signals["md5"]: r.signals for r in records_of(known, "set")}
    assert stored == expected


def test_a_large_files_batches_go_in_key_order_and_a_duplicate_still_merges_into_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "HELPER_MIN_BYTES", 0)  # a large file, read here
    monkeypatch.setattr(reading, "LARGE_BATCH", 4)
    items = [media(n) for n in range(10, 0, -1)]  # keys falling: every batch is reordered
    items.insert(2, media(8, Series="first", MediaSize=1))  # before record 8, same batch
    items.append(media(8, Series="later"))  # in another batch: merges, fills nothing
    source = write_hashset(tmp_path / "set.json", items)
    options = ImportOptions()
    fmt = chosen_format(source, options)
    report = ImportReport(str(source), fmt.name)
    batches = list(reading.read_batches(fmt, source, report, options, in_helper=False))
    assert [[row[1] for row in rows] for rows, _ in batches] == [  # the MediaIDs
        ["8", "8", "9", "10"],
        ["4", "5", "6", "7"],
        ["1", "2", "3", "8"],
    ]
    assert [row[9] for row in batches[0][0][:2]] == ["first", None]  # the file's first, first
    with KnownHashStore(tmp_path / "store.sqlite") as known:
        set_id = known.ensure_set("set", SetKind.KNOWN)
        assert known.write_prepared(set_id, batches) == 12
        records = records_of(known, "set")
    assert [r.record_id for r in records] == ["8", "9", "10", "4", "5", "6", "7", "1", "2", "3"]
    eight = records[0]
    assert eight.series == "first" and eight.extra["MediaSize"] == 1
    assert eight.signals == {"md5": md5_of(8)}


def _record(key: int, sha1: int | None, sha256: int | None) -> KnownHash:
    signals = {"md5": f"{key:032x}"}
    if sha1 is not None:
        signals["sha1"] = f"{sha1:040x}"
    if sha256 is not None:
        signals["sha256"] = f"{sha256:064x}"
    return KnownHash(record_id=str(key), signals=signals)


def test_an_import_reports_each_files_records_written_as_it_goes(tmp_path: Path) -> None:
    analyst = Actor("nat.analyst", "NCA", frozenset({Role.ANALYST}))
    small = write_hashset(tmp_path / "small.json", [media(n) for n in range(1, 4)])
    large = write_hashset(tmp_path / "large.json", [media(n) for n in range(1, BATCH * 2 + 10)])
    heard: list[tuple[str, int, str]] = []
    with KnownHashStore(tmp_path / "store.sqlite") as known:
        import_files(
            analyst,
            known,
            [small, large],
            "set",
            ImportOptions(),
            progress=lambda path, written, stage: heard.append((path.name, written, stage)),
        )
    assert heard == [
        ("small.json", 3, WRITING),
        ("small.json", 3, INDEXING),
        ("large.json", BATCH, WRITING),
        ("large.json", BATCH * 2, WRITING),
        ("large.json", BATCH * 2 + 9, WRITING),
        ("large.json", BATCH * 2 + 9, INDEXING),
    ]


def test_opening_a_matcher_reads_only_the_kinds_signals_not_every_record(tmp_path: Path) -> None:
    """How SQLite plans the read of a kind's values for its index: from the (kind, value)
    index outward. Walking the set's records instead took 32 s at 10^7 records."""
    with KnownHashStore(tmp_path / "store.sqlite") as known:
        known.ensure_set("set", SetKind.KNOWN)
        plan: list[str] = []
        known.db.set_trace_callback(plan.append)
        known.open_matcher(["set"])
        known.db.set_trace_callback(None)
        reads = [q for q in plan if "FROM known_signals s" in q and "ORDER BY s.hash_id" in q]
        assert reads, plan
        for query in reads:
            steps = [r[3] for r in known.db.execute("EXPLAIN QUERY PLAN " + query)]
            assert "known_signals_value (kind=?)" in steps[0], (query, steps)


def test_an_import_that_withdraws_nothing_does_not_walk_the_set(tmp_path: Path) -> None:
    source = write_hashset(tmp_path / "set.json", [media(n) for n in range(1, 20)])
    statements: list[str] = []
    with KnownHashStore(tmp_path / "store.sqlite") as known:
        known.db.set_trace_callback(statements.append)
        assert import_file(known, source, "set", ImportOptions()).imported == 19
        known.db.set_trace_callback(None)
    assert statements and not [s for s in statements if "record_id IN" in s]

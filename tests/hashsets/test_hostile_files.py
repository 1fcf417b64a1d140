"""Files made to break an importer: each gets a clear error naming the file and the reason, the
process lives within a memory bound, and nothing of a failed import stays (no empty set, no new
version). The crashing cases run the CLI in a child process with an address-space limit, so a
crash or a blow-up fails the test instead of taking pytest down."""

from __future__ import annotations

import resource
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from footprint.hashsets import ImportOptions, KnownHashStore
from footprint.hashsets import nsrl as nsrl_module
from footprint.hashsets.service import import_file
from footprint.inputs import MAX_JSON_DEPTH, BoundedJson, InputRefused
from tests.hashsets.test_other_formats import make_nsrl
from tests.hashsets.vics_samples import media, write_hashset

MEMORY_BOUND = 3 * 1024**3  # address space for the child: Python, numpy and the import


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BOUND, MEMORY_BOUND))


def _import_in_child(path: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "FOOTPRINT_VAR_DIR": str(tmp_path / "var"),
        "FOOTPRINT_DATABASE_URL": f"sqlite:///{tmp_path}/none.db",
    }
    return subprocess.run(
        [sys.executable, "-m", "footprint", "hashset", "import", str(path), "--set", "hostile"],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=_limited,
        timeout=300,  # a hang fails the test (the fix ends in about a second)
        check=False,
    )


def _vics_with(fragment: str) -> str:
    return '{"value": [{"MD5": "' + "a" * 32 + '", "MediaID": ' + fragment + "}]}"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (_vics_with("9" * 4400), "a number of more than 100 digits"),  # crashed ijson's C parser
        (_vics_with("[" * 40_000 + "]" * 40_000), "nesting deeper than 32 levels"),  # 4 GB
        ('{"value": [' + "{" * 100_000, "nesting deeper than 32 levels"),
    ],
)
def test_hostile_json_is_refused_by_a_process_that_lives(
    tmp_path: Path, content: str, reason: str
) -> None:
    path = tmp_path / "hostile.json"
    path.write_text(content)
    done = _import_in_child(path, tmp_path)
    assert done.returncode == 4, (done.returncode, done.stderr[-2000:])  # skipped or failed
    assert f"hostile.json: {reason}" in done.stderr
    assert "nothing from this file was imported" in done.stderr


def test_a_view_that_never_ends_is_not_an_nsrl_file(tmp_path: Path, store: KnownHashStore) -> None:
    path = tmp_path / "view.db"  # 4 KB: a FILE view over a recursive query without end
    db = sqlite3.connect(path)
    db.execute(
        "CREATE VIEW FILE AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
        "SELECT printf('%064x', n) AS sha256, printf('%032x', n) AS md5 FROM r"
    )
    db.commit()
    db.close()
    report = import_file(store, path, "nsrl", ImportOptions())
    assert report.error is not None and "FILE: a view, not a table" in report.error
    assert "nsrl" not in store.versions()


def test_a_read_of_nsrl_that_costs_too_much_is_stopped(
    tmp_path: Path, store: KnownHashStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The budget interrupts SQLite itself (a corrupt page that points back at itself would
    otherwise loop): here every row is made to cost too much."""
    monkeypatch.setattr(nsrl_module, "STEPS_PER_CHECK", 1)
    monkeypatch.setattr(nsrl_module, "STEPS_PER_ROW", 0)
    report = import_file(store, make_nsrl(tmp_path / "rds.db"), "nsrl", ImportOptions())
    assert report.error is not None and "cannot be read to its end (interrupted)" in report.error


def test_a_failed_import_leaves_no_set_and_bumps_no_version(
    tmp_path: Path, store: KnownHashStore
) -> None:
    good = write_hashset(tmp_path / "good.json", [media(1), media(2)])
    assert import_file(store, good, "national", ImportOptions()).error is None
    assert store.versions() == {"national": 1}
    broken = tmp_path / "broken.json"
    broken.write_text('{"value": [{"MD5": "' + "b" * 32 + '"}, {"MD5": ')
    for name in ("national", "brand-new"):
        report = import_file(store, broken, name, ImportOptions())
        assert report.error is not None and "broken.json" in report.error
    assert store.versions() == {"national": 1}  # no empty "brand-new", no version 2
    assert store.get_set("national").records == 2


def test_two_imports_at_once_both_finish(tmp_path: Path, store: KnownHashStore) -> None:
    """The second waits for the first instead of failing with "database is locked"."""
    first = write_hashset(tmp_path / "first.json", [media(n) for n in range(1, 50)])
    second = write_hashset(tmp_path / "second.json", [media(n) for n in range(50, 100)])
    other = KnownHashStore(store.path)  # another connection, as another job or process has
    reports = []
    with store.writing():  # an import in progress holds the store
        waiting = threading.Thread(
            target=lambda: reports.append(import_file(other, second, "b", ImportOptions()))
        )
        waiting.start()
        waiting.join(timeout=1)
        assert waiting.is_alive() and not reports  # queued behind the first, not failed
        store.db.execute("BEGIN IMMEDIATE")
        store.db.execute("COMMIT")
    waiting.join()
    reports.append(import_file(store, first, "a", ImportOptions()))
    other.close()
    assert [r.error for r in reports] == [None, None]
    assert store.versions() == {"a": 1, "b": 1}


def test_the_bounded_stream_sees_through_strings_and_escapes() -> None:
    """Brackets, digits and escaped quotes inside strings are text, not structure, even when
    a read ends in the middle of an escape."""
    deep_text = '"' + "[" * 1000 + '\\"' + "9" * 500 + '"'
    document = ('{"a": ' + deep_text + ', "b": [' * 3 + "1" + "]" * 3 + "}").encode()
    for size in (1, 2, 3, 7, 64, 4096):
        assert _read_all(BoundedJson(_Chunks(document, size), "doc.json")) == document
    too_deep = ("[" * (MAX_JSON_DEPTH + 1)).encode()
    with pytest.raises(InputRefused, match=r"doc\.json: nesting deeper than 32 levels"):
        _read_all(BoundedJson(_Chunks(too_deep, 5), "doc.json"))


def _read_all(stream: BoundedJson) -> bytes:
    chunks = []
    while chunk := stream.read(4096):
        chunks.append(chunk)
    return b"".join(chunks)


class _Chunks:
    def __init__(self, data: bytes, size: int) -> None:
        self._data, self._size = data, size

    def read(self, size: int = -1) -> bytes:
        chunk, self._data = self._data[: self._size], self._data[self._size :]
        return chunk

    def close(self) -> None:
        pass

"""The SQLite writer gate: writers queue on a lock (threads and processes alike) and never meet
SQLite's busy back-off; readers never wait; a wait is bounded and fails like SQLite's own."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from footprint.store import Database, writer_gate
from tests.concurrency import in_threads


def _database(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'gate.db'}")
    with db.unit_of_work() as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)"))
    return db


def test_many_threads_write_without_a_single_lock_error(tmp_path: Path) -> None:
    db = _database(tmp_path)

    def work(worker: int) -> None:
        for n in range(25):
            with db.unit_of_work() as session:
                session.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": f"{worker}-{n}"})

    assert in_threads(12, work) == []
    with db.unit_of_work() as session:
        assert session.scalar(text("SELECT count(*) FROM t")) == 300


def test_a_reader_does_not_wait_for_a_writer(tmp_path: Path) -> None:
    db = _database(tmp_path)
    with db.unit_of_work() as writing:
        writing.execute(text("INSERT INTO t (v) VALUES ('held')"))  # holds the gate
        began = time.monotonic()
        with db.unit_of_work() as reading:
            assert reading.scalar(text("SELECT count(*) FROM t")) == 0  # WAL: the old snapshot
        assert time.monotonic() - began < 1


def test_another_process_waits_its_turn_then_writes(tmp_path: Path) -> None:
    db = _database(tmp_path)
    script = (
        "import sys, time\n"
        "from sqlalchemy import text\n"
        "from footprint.store import Database\n"
        f"db = Database('sqlite:///{tmp_path / 'gate.db'}')\n"
        "with db.unit_of_work() as s:\n"
        "    s.execute(text(\"INSERT INTO t (v) VALUES ('other process')\"))\n"
        "    print('holding', flush=True)\n"
        "    time.sleep(1.0)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    began = time.monotonic()
    with db.unit_of_work() as session:
        session.execute(text("INSERT INTO t (v) VALUES ('this process')"))
    waited = time.monotonic() - began
    assert holder.wait(timeout=20) == 0
    assert waited > 0.5  # it queued behind the other process's transaction
    with db.unit_of_work() as session:
        rows = session.scalars(text("SELECT v FROM t ORDER BY id")).all()
    assert rows == ["other process", "this process"]


def test_a_wait_longer_than_the_limit_fails_as_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_gate, "WAIT_SECONDS", 0.2)
    db = _database(tmp_path)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with db.unit_of_work() as session:
            session.execute(text("INSERT INTO t (v) VALUES ('long')"))
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    try:
        with (
            pytest.raises(OperationalError, match="database is locked"),
            db.unit_of_work() as session,
        ):
            session.execute(text("INSERT INTO t (v) VALUES ('late')"))
    finally:
        release.set()
        holder.join()
    with db.unit_of_work() as session:  # the gate is free again afterwards
        session.execute(text("INSERT INTO t (v) VALUES ('after')"))


def test_a_failed_unit_of_work_gives_the_gate_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_gate, "WAIT_SECONDS", 0.2)  # a leaked gate would fail fast
    db = _database(tmp_path)
    with pytest.raises(RuntimeError), db.unit_of_work() as session:
        session.execute(text("INSERT INTO t (v) VALUES ('rolled back')"))
        raise RuntimeError("the batch broke")
    failures = in_threads(4, lambda n: _insert(db, f"after {n}"))
    assert failures == []
    with db.unit_of_work() as session:
        assert session.scalar(text("SELECT count(*) FROM t")) == 4


def _insert(db: Database, value: str) -> None:
    with db.unit_of_work() as session:
        session.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": value})

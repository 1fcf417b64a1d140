"""One writer at a time on an SQLite file, queued by the operating system instead of by SQLite's
busy handler.

SQLite lets one connection write at a time; a connection that finds the write lock taken sleeps
and retries on a back-off that grows to 25-100 ms, so under many concurrent requests (every
request writes its audit entry) writers wake long after the lock was freed and the slowest
requests wait seconds. Here a connection, just before its first write statement, takes its
process's lock for the file (waiting threads sleep in the kernel and wake the moment it is
free) and then an exclusive `flock` on `<database>.writers` shared with other processes (the
one waiting thread of each process looks every half millisecond); both are given back when its
transaction ends. Reads never take them (WAL readers do not block). The wait is bounded like
SQLite's own (`busy_timeout`), then fails the same way.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

WAIT_SECONDS = 10.0  # as PRAGMA busy_timeout
POLL_SECONDS = 0.0005  # how often the one waiting thread of a process looks at the file lock
_READS = ("SELECT", "PRAGMA", "EXPLAIN")  # statements that never write
_PROCESS_GATES: dict[str, threading.Lock] = {}  # one per database file, for this process
_GATES_LOCK = threading.Lock()


def _process_gate(path: str) -> threading.Lock:
    with _GATES_LOCK:
        return _PROCESS_GATES.setdefault(path, threading.Lock())


def is_write(statement: str) -> bool:
    """Whether a statement may write (anything but a SELECT, PRAGMA or EXPLAIN)."""
    return not statement.lstrip()[:7].upper().startswith(_READS)


def _locked() -> sqlite3.OperationalError:
    return sqlite3.OperationalError("database is locked")


class _Gate:
    """A connection's place in the queue: first this process's lock (threads wait in the
    kernel, woken at once), then the file lock shared with other processes (polled by the one
    thread of this process that holds the first)."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # each connection its own
        self.in_process = _process_gate(path)
        self.held = False

    def take(self) -> None:
        if self.held:
            return
        deadline = time.monotonic() + WAIT_SECONDS
        if not self.in_process.acquire(timeout=WAIT_SECONDS):
            raise _locked()
        try:
            while True:
                try:
                    fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise _locked() from None
                    time.sleep(POLL_SECONDS)
        except BaseException:
            self.in_process.release()
            raise
        self.held = True

    def give_back(self) -> None:
        if self.held:
            self.held = False
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            self.in_process.release()

    def close(self) -> None:
        self.give_back()
        os.close(self.fd)


def wanted(database: str | None) -> bool:
    """On for a database file, unless FOOTPRINT_SQLITE_WRITER_GATE=off (a file system whose
    flock is not shared between machines, or to compare with SQLite's own waiting)."""
    switched_off = os.environ.get("FOOTPRINT_SQLITE_WRITER_GATE", "on").lower() == "off"
    return bool(database) and database != ":memory:" and not switched_off


def install(engine: Engine, database_path: Path) -> None:
    """Gate every write transaction of this engine's connections; the gate opens again when
    the connection goes back to the pool (after its commit or rollback)."""
    lock_path = str(database_path.resolve()) + ".writers"

    @event.listens_for(engine, "connect")
    def _open(dbapi_connection: Any, record: Any) -> None:
        record.info["writer_gate"] = _Gate(lock_path)

    @event.listens_for(engine, "close")
    def _close(dbapi_connection: Any, record: Any) -> None:
        gate = record.info.pop("writer_gate", None)
        if gate is not None:
            gate.close()

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(
        connection: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if is_write(statement):
            connection.connection.info["writer_gate"].take()

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection: Any, record: Any) -> None:
        gate = record.info.get("writer_gate")
        if gate is not None:
            gate.give_back()

"""Requests finishing together have their reads written in one transaction, in arrival order;
each waits for its own commit, and a failed transaction fails every request in it."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from footprint.security import audit
from footprint.security.actor import Actor
from footprint.store import Database
from footprint.store.models import AuditEntry
from footprint.web.read_log import ReadLog
from tests.conftest import fresh_database_url

READER = Actor("reader", "E23000001", frozenset())


def _reads(n: int) -> list[audit.Pending]:
    return [audit.Pending(READER, "case.read", "case", str(n), {})]


def test_reads_arriving_during_a_write_go_together_in_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches: list[list[str]] = []
    first_started, release = threading.Event(), threading.Event()
    write = audit.write_reads

    def slow(db: Database, reads: list[audit.Pending]) -> None:
        batches.append([read.record_id for read in reads])
        if len(batches) == 1:
            first_started.set()
            release.wait(5)  # the others arrive while the first transaction is open
        write(db, reads)

    monkeypatch.setattr(audit, "write_reads", slow)

    async def requests(log: ReadLog) -> None:
        first = asyncio.create_task(log.write(_reads(1)))
        await asyncio.to_thread(first_started.wait, 5)
        others = [asyncio.create_task(log.write(_reads(n))) for n in (2, 3, 4)]
        await asyncio.sleep(0.05)
        assert not any(task.done() for task in others)  # nobody answers before its commit
        release.set()
        await asyncio.gather(first, *others)

    with fresh_database_url(tmp_path) as url:
        db = Database(url)
        asyncio.run(requests(ReadLog(db)))
        with db.unit_of_work() as session:
            logged = session.scalars(
                select(AuditEntry.record_id)
                .where(AuditEntry.action == "case.read")
                .order_by(AuditEntry.seq)
            ).all()
        db.dispose()
    assert batches == [["1"], ["2", "3", "4"]]
    assert logged == ["1", "2", "3", "4"]


def test_a_failed_write_fails_each_request_in_it_and_the_log_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write, failures = audit.write_reads, [1]

    def failing_once(db: Database, reads: list[audit.Pending]) -> None:
        if failures:
            failures.pop()
            raise RuntimeError("disk full")
        write(db, reads)

    monkeypatch.setattr(audit, "write_reads", failing_once)

    async def requests(log: ReadLog) -> list[BaseException | None]:
        refused = await asyncio.gather(log.write(_reads(1)), return_exceptions=True)
        await log.write(_reads(2))
        return list(refused)

    with fresh_database_url(tmp_path) as url:
        db = Database(url)
        refused = asyncio.run(requests(ReadLog(db)))
        with db.unit_of_work() as session:
            logged = session.scalars(
                select(AuditEntry.record_id).where(AuditEntry.action == "case.read")
            ).all()
        db.dispose()
    assert [type(r) for r in refused] == [RuntimeError]
    assert logged == ["2"]

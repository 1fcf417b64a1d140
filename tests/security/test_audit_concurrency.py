"""Appends from many threads at once (a web server's requests) keep one unbroken chain."""

from __future__ import annotations

from sqlalchemy import func, select

from footprint.security import audit
from footprint.security.actor import Actor
from footprint.store import Database
from footprint.store.models import AuditEntry
from tests.concurrency import in_threads

THREADS, EACH = 8, 25


def test_concurrent_appends_keep_one_chain(database: Database) -> None:
    def append(worker: int) -> None:
        for n in range(EACH):
            with database.unit_of_work() as session:
                # a read first, as a request does, then the append
                session.scalar(select(func.count()).select_from(AuditEntry))
                audit.record(session, Actor.system(), "test.append", "worker", worker, n=n)

    assert in_threads(THREADS, append) == []
    with database.unit_of_work() as session:
        checked, problems = audit.verify(session)
        appended = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "test.append")
        )
    assert problems == [] and appended == THREADS * EACH and checked >= appended

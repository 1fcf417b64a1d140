"""Appends from many threads at once (a web server's requests) keep one unbroken chain."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from footprint.security import audit
from footprint.security.actor import Actor
from footprint.store import Database
from footprint.store.models import AuditEntry

THREADS, EACH = 8, 25


def test_concurrent_appends_keep_one_chain(database: Database) -> None:
    failures: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def append(worker: int) -> None:
        start.wait()
        for n in range(EACH):
            try:
                with database.unit_of_work() as session:
                    # a read first, as a request does, then the append
                    session.scalar(select(func.count()).select_from(AuditEntry))
                    audit.record(session, Actor.system(), "test.append", "worker", worker, n=n)
            except BaseException as exc:  # collected, so the test names what went wrong
                failures.append(exc)

    threads = [threading.Thread(target=append, args=(w,)) for w in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with database.unit_of_work() as session:
        checked, problems = audit.verify(session)
        appended = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "test.append")
        )
    assert problems == [] and appended == THREADS * EACH and checked >= appended

"""Requests' reads written to the audit log together: while one transaction is appending some
requests' reads, the reads of requests finishing meanwhile wait and go in the next one, all in
the order they arrived. Each request still waits until its own reads are committed before its
answer leaves (web/app.py), and if a transaction fails every request in it fails.

Under load this turns one write transaction per request into one per handful of requests: on
SQLite, writers of all server processes queue for the database's one write lock, and a request
thread queued there does nothing else.
"""

from __future__ import annotations

import asyncio

from starlette.concurrency import run_in_threadpool

from footprint.security import audit
from footprint.store import Database

Waiting = tuple[list[audit.Pending], "asyncio.Future[None]"]


class ReadLog:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._waiting: list[Waiting] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, reads: list[audit.Pending]) -> None:
        """Return once `reads` are committed; raise what the transaction raised."""
        committed = asyncio.get_running_loop().create_future()
        self._waiting.append((reads, committed))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        await committed

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            entries = [entry for reads, _ in batch for entry in reads]
            try:
                await run_in_threadpool(audit.write_reads, self.db, entries)
            except Exception as exc:  # each request in the batch answers with the failure
                for _, committed in batch:
                    if not committed.done():  # a request whose client went away is cancelled
                        committed.set_exception(exc)
            else:
                for _, committed in batch:
                    if not committed.done():
                        committed.set_result(None)

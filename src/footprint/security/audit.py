"""The append-only audit log over the store: append entries, verify the chain.

Changes are recorded in the transaction that makes them (`record`). Reads are recorded with
`record_read`: in the reader's transaction too, unless the reads are being collected — a web
request collects its reads and writes them in one transaction before the first byte of its
answer leaves (web/app.py), so a page that reads five things takes the log's write lock once,
and its reads never wait on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from footprint.security.actor import Actor
from footprint.security.audit_chain import (
    GENESIS,
    ChainEntry,
    ChainProblem,
    Checkpoint,
    compute_hash,
    verify_chain,
)
from footprint.store import Database
from footprint.store.models import AuditEntry, AuditHead


def record(
    session: Session,
    actor: Actor,
    action: str,
    record_type: str,
    record_id: object,
    **detail: Any,
) -> None:
    """Append one entry in the caller's transaction: it commits with the change it describes."""
    _append(session, [Pending(actor, action, record_type, str(record_id), detail)])


@dataclass(frozen=True, slots=True)
class Pending:
    """An entry to append: a change (record) or a read waiting to be written (record_read)."""

    actor: Actor
    action: str
    record_type: str
    record_id: str
    detail: dict[str, Any]


_HEAD = cast(Table, AuditHead.__table__)
_ENTRIES = cast(Table, AuditEntry.__table__)
# Built once: every web request appends, and building the statements cost more than running
# them. Claiming the head is a write (see _append) that hands back what it holds.
_CLAIM_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(last_seq=_HEAD.c.last_seq)
    .returning(_HEAD.c.last_seq, _HEAD.c.last_hash)
)
_ADVANCE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(last_seq=bindparam("new_seq"), last_hash=bindparam("new_hash"))
)
_ADD_ENTRIES = insert(_ENTRIES)


def _append(session: Session, entries: list[Pending]) -> None:
    """Chain `entries` onto the log, in order, in the session's transaction (Core statements:
    the ORM's unit of work cost more than the appends themselves).

    Concurrent appends are serialised by claiming the head row with a write that returns it:
    on PostgreSQL that locks the row (a second claim waits, then reads the first one's head);
    on SQLite it takes the database's write lock. (SQLite's driver runs reads outside a
    transaction until the first write, so reading the head before writing would let two
    appends see the same head and collide on the sequence number.)"""
    connection = session.connection()
    seq, last_hash = connection.execute(_CLAIM_HEAD).one()
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    rows = []
    for entry in entries:
        seq += 1
        content = {
            "seq": seq,
            "at": at,
            "actor": entry.actor.username,
            "organisation": entry.actor.organisation,
            "action": entry.action,
            "record_type": entry.record_type,
            "record_id": entry.record_id,
            "detail": entry.detail,
        }
        entry_hash = compute_hash(last_hash, content)
        rows.append(content | {"prev_hash": last_hash, "entry_hash": entry_hash})
        last_hash = entry_hash
    connection.execute(_ADD_ENTRIES, rows)
    connection.execute(_ADVANCE_HEAD, {"new_seq": seq, "new_hash": last_hash})


_collected: ContextVar[list[Pending] | None] = ContextVar("footprint_audit_reads", default=None)


def record_read(
    session: Session,
    actor: Actor,
    action: str,
    record_type: str,
    record_id: object,
    **detail: Any,
) -> None:
    """Record a read of a sensitive record, or a refused look at one: appended in the caller's
    transaction, or, while reads are collected (collect_reads), kept for write_reads."""
    collected = _collected.get()
    if collected is None:
        record(session, actor, action, record_type, record_id, **detail)
    else:
        collected.append(Pending(actor, action, record_type, str(record_id), detail))


def collect_reads(into: list[Pending]) -> Token[list[Pending] | None]:
    """From now on, in this context and the threads it starts, reads go into `into`; the
    collector must write them (write_reads) before anything read reaches anyone."""
    return _collected.set(into)


def stop_collecting(token: Token[list[Pending] | None]) -> None:
    _collected.reset(token)


@contextmanager
def reading(db: Database) -> Iterator[Session]:
    """A read-only unit of work (Database.read_only) whose reads (record_read) are audited: a
    request collects them already; otherwise they are collected here and appended in a
    transaction of their own once the reading has succeeded, before anything read is returned."""
    if _collected.get() is not None:
        with db.read_only() as session:
            yield session
        return
    reads: list[Pending] = []
    token = collect_reads(reads)
    try:
        with db.read_only() as session:
            yield session
    finally:
        stop_collecting(token)
    if reads:
        write_reads(db, reads)


def write_reads(db: Database, reads: list[Pending]) -> None:
    """Append the collected reads, in order, in one transaction."""
    with db.unit_of_work() as session:
        _append(session, reads)


def _entries(session: Session) -> Iterator[ChainEntry]:
    for row in session.scalars(
        select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=5000)
    ):
        yield entry_of(row)


def entry_of(row: AuditEntry) -> ChainEntry:
    """An entry as the chain hashes it (and as auditors read it)."""
    return ChainEntry(
        row.seq,
        row.at,
        row.actor,
        row.organisation,
        row.action,
        row.record_type,
        row.record_id,
        row.detail,
        row.prev_hash,
        row.entry_hash,
    )


def checkpoint(session: Session) -> Checkpoint:
    """The chain's head now, for the operators to keep outside the database."""
    head = session.get(AuditHead, 1)
    if head is None or head.last_seq == 0:
        return Checkpoint(0, GENESIS, "", datetime.now(UTC).isoformat())
    at = session.scalar(select(AuditEntry.at).where(AuditEntry.seq == head.last_seq))
    return Checkpoint(head.last_seq, head.last_hash, str(at or ""), datetime.now(UTC).isoformat())


def verify(session: Session, anchor: Checkpoint | None = None) -> tuple[int, list[ChainProblem]]:
    """(entries checked, problems). An intact chain has no problems; with an `anchor`, it must
    also extend that checkpoint. The entries stream from the database in order, so a log of
    millions is checked in constant memory."""
    head = session.get(AuditHead, 1)
    if head is None:
        missing = ChainProblem(0, "truncated", "the audit head is missing")
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0), [missing]
    checked = 0

    def counting(entries: Iterator[ChainEntry]) -> Iterator[ChainEntry]:
        nonlocal checked
        for entry in entries:
            checked += 1
            yield entry

    problems = verify_chain(counting(_entries(session)), head.last_seq, head.last_hash, anchor)
    return checked, problems

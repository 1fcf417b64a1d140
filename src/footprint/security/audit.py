"""The append-only audit log over the store: append entries, verify the chain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from footprint.security.actor import Actor
from footprint.security.audit_chain import ChainEntry, ChainProblem, compute_hash, verify_chain
from footprint.store.models import AuditEntry, AuditHead


def record(
    session: Session,
    actor: Actor,
    action: str,
    record_type: str,
    record_id: object,
    **detail: Any,
) -> AuditEntry:
    """Append one entry in the caller's transaction: it commits with the change it describes.

    Concurrent appends are serialised by claiming the head row with a write before reading it:
    on PostgreSQL that locks the row; on SQLite it takes the database's write lock. (SQLite's
    driver runs reads outside a transaction until the first write, so reading the head first
    would let two appends see the same head and collide on the sequence number.)"""
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_seq=AuditHead.last_seq))
    head = session.execute(
        select(AuditHead)
        .where(AuditHead.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)  # the head as it is now, not as first read
    ).scalar_one()
    content = {
        "seq": head.last_seq + 1,
        "at": datetime.now(UTC).isoformat(timespec="microseconds"),
        "actor": actor.username,
        "organisation": actor.organisation,
        "action": action,
        "record_type": record_type,
        "record_id": str(record_id),
        "detail": detail,
    }
    entry_hash = compute_hash(head.last_hash, content)
    entry = AuditEntry(**content, prev_hash=head.last_hash, entry_hash=entry_hash)
    session.add(entry)
    session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(last_seq=content["seq"], last_hash=entry_hash)
    )
    return entry


def _entries(session: Session) -> Iterator[ChainEntry]:
    for row in session.scalars(
        select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=5000)
    ):
        yield ChainEntry(
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


def verify(session: Session) -> tuple[int, list[ChainProblem]]:
    """(entries checked, problems). An intact chain has no problems. The entries stream from
    the database in order, so a log of millions is checked in constant memory."""
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

    problems = verify_chain(counting(_entries(session)), head.last_seq, head.last_hash)
    return checked, problems

"""Read-only units of work: the hot reads run without opening a transaction on PostgreSQL, a
write inside one is refused before it runs, and the reads they make are still audited, after
the reading and before anything read is returned."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text, update

from footprint.security import audit
from footprint.security.actor import Actor
from footprint.store import Database
from footprint.store.database import WriteWhileReading
from footprint.store.models import AuditEntry, Organisation

ALICE = Actor("alice", "E23000001", frozenset())


def _entries(db: Database, action: str) -> list[str]:
    with db.unit_of_work() as session:
        return list(
            session.scalars(select(AuditEntry.record_id).where(AuditEntry.action == action))
        )


def test_a_write_in_a_read_only_unit_of_work_is_refused_before_it_runs(database: Database) -> None:
    with database.read_only() as session:
        name = session.scalar(select(Organisation.name).where(Organisation.code == "E23000001"))
        with pytest.raises(WriteWhileReading):
            session.execute(
                update(Organisation).where(Organisation.code == "E23000001").values(name="x")
            )
    with database.unit_of_work() as session:
        assert (
            session.scalar(select(Organisation.name).where(Organisation.code == "E23000001"))
            == name
        )
    with database.unit_of_work() as session:  # the connection went back to the pool writable
        session.execute(text("UPDATE organisations SET name = name WHERE code = 'E23000001'"))


def test_on_postgresql_the_reads_open_no_transaction(database: Database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's driver runs reads outside a transaction already")
    with database.read_only() as session:
        session.scalar(select(func.count()).select_from(Organisation))
        raw = session.connection().connection.dbapi_connection
        assert raw is not None and raw.info.transaction_status.name == "IDLE"
    with database.unit_of_work() as session:  # a unit of work still has its transaction
        session.scalar(select(func.count()).select_from(Organisation))
        raw = session.connection().connection.dbapi_connection
        assert raw is not None and raw.info.transaction_status.name == "INTRANS"


def test_reads_are_audited_once_the_reading_succeeds(database: Database) -> None:
    with audit.reading(database) as session:
        session.scalar(select(func.count()).select_from(Organisation))
        audit.record_read(session, ALICE, "case.read", "case", 7)
        assert _entries(database, "case.read") == []  # not yet: the reading is not over
    assert _entries(database, "case.read") == ["7"]
    with pytest.raises(LookupError), audit.reading(database) as session:
        audit.record_read(session, ALICE, "case.read", "case", 8)
        raise LookupError("case 8: not found")  # nothing read reaches anyone: nothing logged
    assert _entries(database, "case.read") == ["7"]
    with database.unit_of_work() as session:
        assert audit.verify(session)[1] == []


def test_inside_a_request_the_reads_go_to_its_collector(database: Database) -> None:
    collected: list[audit.Pending] = []
    token = audit.collect_reads(collected)
    try:
        with audit.reading(database) as session:
            audit.record_read(session, ALICE, "case.read", "case", 9)
    finally:
        audit.stop_collecting(token)
    assert [(p.action, p.record_id) for p in collected] == [("case.read", "9")]
    assert _entries(database, "case.read") == []  # the request writes them, not the reading

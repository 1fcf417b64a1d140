"""The driver-level bulk writes store exactly what the ORM stores, on SQLite and PostgreSQL."""

from __future__ import annotations

import gc
import threading
from datetime import UTC, datetime
from typing import cast

import pytest
from sqlalchemy import Table, select, text

from footprint.operations.service import create_operation
from footprint.security.actor import Actor
from footprint.store import Database
from footprint.store.bulk import (
    BULK_COLLECTOR_THRESHOLDS,
    bulk_stage,
    insert_rows,
    reserve_ids,
    update_rows,
)
from footprint.store.models import Referral, ReferralIpEvent
from tests.concurrency import in_threads

REFERRALS = cast(Table, Referral.__table__)
IP_EVENTS = cast(Table, ReferralIpEvent.__table__)
INCIDENT = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # times are stored in UTC (the parsers convert)
RECEIVED = datetime(2026, 11, 29, 8, 0, 0, 123456, tzinfo=UTC)


def _stored(db: Database, table: str, row_id: int) -> tuple[object, ...]:
    """The row as the database holds it, read without any type conversion."""
    with db.engine.connect() as connection:
        row = connection.exec_driver_sql(f"SELECT * FROM {table} WHERE id = {row_id}").one()
        return tuple(v for k, v in row._mapping.items() if k != "id")


def _operation(db: Database) -> int:
    with db.unit_of_work() as session:
        return create_operation(session, Actor.system(), "Op Bulk", RECEIVED.date()).id


def test_inserted_rows_are_stored_as_the_orm_stores_them(database: Database) -> None:
    operation_id = _operation(database)
    values = {
        "operation_id": operation_id,
        "source": "NCMEC",
        "incident_type": "Apparent Child Pornography",
        "incident_at": INCIDENT,
        "received_at": RECEIVED,
        "prior_report_ids": ["111", "222"],
    }
    with database.unit_of_work() as session:
        by_orm = Referral(report_id="A", **values)
        session.add(by_orm)
        session.flush()
        orm_id = by_orm.id
        bulk_ids = reserve_ids(session.connection(), REFERRALS, 3)
        columns = ("id", "report_id", *values)
        rows = [(rid, f"B{rid}", *values.values()) for rid in bulk_ids]
        insert_rows(session.connection(), REFERRALS, columns, rows)
    assert bulk_ids == [orm_id + 1, orm_id + 2, orm_id + 3]
    orm_row = _stored(database, "referrals", orm_id)
    for rid in bulk_ids:
        assert _stored(database, "referrals", rid) == tuple(
            f"B{rid}" if v == "A" else v for v in orm_row
        )
    with database.unit_of_work() as session:
        read = session.get_one(Referral, bulk_ids[0])
        assert read.prior_report_ids == ["111", "222"]
        assert read.incident_at is not None
        assert read.incident_at.replace(tzinfo=UTC) == INCIDENT


def test_updated_rows_by_id_and_none_values(database: Database) -> None:
    operation_id = _operation(database)
    with database.unit_of_work() as session:
        referral = Referral(
            operation_id=operation_id,
            source="NCMEC",
            report_id="1",
            received_at=RECEIVED,
            prior_report_ids=[],
        )
        session.add(referral)
        session.flush()
        connection = session.connection()
        columns = ("referral_id", "ip", "port", "at", "event", "possible_proxy")
        insert_rows(
            connection,
            IP_EVENTS,
            columns,
            [(referral.id, "192.0.2.1", 443, RECEIVED, "login", True)],
        )
        event_id = session.scalar(select(ReferralIpEvent.id))
        assert event_id is not None
        update_rows(connection, IP_EVENTS, ("port", "possible_proxy"), [(None, False, event_id)])
        update_rows(connection, IP_EVENTS, ("port",), [])  # nothing to do is not an error
    with database.unit_of_work() as session:
        event = session.get_one(ReferralIpEvent, event_id)
        assert (event.ip, event.port, event.possible_proxy) == ("192.0.2.1", None, False)
        assert event.at.replace(tzinfo=event.at.tzinfo or UTC) == RECEIVED
        untouched = session.execute(text("SELECT count(*) FROM referral_ip_events")).scalar()
        assert untouched == 1


CONCURRENT_COLUMNS = (
    "id",
    "operation_id",
    "source",
    "report_id",
    "received_at",
    "prior_report_ids",
)


def test_ids_reserved_by_concurrent_writers_never_collide(database: Database) -> None:
    operation_id = _operation(database)

    def write(worker: int) -> None:
        for batch in range(10):
            with database.unit_of_work() as session:
                session.scalar(select(Referral.id).limit(1))  # a read first, as intake does
                ids = reserve_ids(session.connection(), REFERRALS, 5)
                rows: list[tuple[object, ...]] = [
                    (rid, operation_id, "T", f"{worker}-{batch}-{rid}", RECEIVED, []) for rid in ids
                ]
                insert_rows(session.connection(), REFERRALS, CONCURRENT_COLUMNS, rows)

    assert in_threads(6, write) == []
    with database.unit_of_work() as session:
        assert session.execute(text("SELECT count(*) FROM referrals")).scalar() == 6 * 10 * 5


def test_bulk_stages_collect_less_often_and_put_the_thresholds_back() -> None:
    before = gc.get_threshold()
    seen: dict[str, tuple[int, int, int]] = {}
    both_in = threading.Barrier(2)
    first_done = threading.Event()

    @bulk_stage
    def stage(name: str) -> str:
        both_in.wait(timeout=5)
        if name == "second":
            first_done.wait(timeout=5)  # the first stage has ended; this one still runs
        seen[name] = gc.get_threshold()
        return name

    @bulk_stage
    def failing() -> None:
        raise ValueError("bad batch")

    second = threading.Thread(target=stage, args=("second",))
    second.start()
    assert stage("first") == "first"
    first_done.set()
    second.join()
    assert seen == {"first": BULK_COLLECTOR_THRESHOLDS, "second": BULK_COLLECTOR_THRESHOLDS}
    assert gc.get_threshold() == before
    with pytest.raises(ValueError, match="bad batch"):
        failing()
    assert gc.get_threshold() == before

"""Many invented cases written in bulk, for the web application's load benchmark: each with its
subject, acknowledged package and the workflow events up to its state; some on bail. Benign:
no referral, identifier or person behind any of them."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import cast

from sqlalchemy import Connection, Table, select

from footprint.operations.case_workflow import CaseState
from footprint.operations.service import create_operation
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.store import Database
from footprint.store.bulk import Row, insert_rows, reserve_ids
from footprint.store.models import (
    Bail,
    Case,
    CaseEvent,
    IntelPackage,
    Operation,
    Organisation,
    Subject,
)

BATCH = 5_000
S = CaseState
# where a case may stand, with the path that leads there
_ROUTE = [S.RECEIVED, S.RESEARCHING, S.WARRANT_APPLIED, S.WARRANT_GRANTED, S.SEARCH_EXECUTED]
PATHS = {
    S.RECEIVED: _ROUTE[:1],
    S.RESEARCHING: _ROUTE[:2],
    S.WARRANT_GRANTED: _ROUTE[:4],
    S.ARRESTED: [*_ROUTE, S.ARRESTED],
    S.ON_BAIL: [*_ROUTE, S.ARRESTED, S.ON_BAIL],
    S.CHARGED: [*_ROUTE, S.ARRESTED, S.CHARGED],
}
WEIGHTS = [30, 25, 10, 10, 15, 10]
BANDS = ["low", "medium", "high", "very-high"]


def _table(model: type) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]  # every model has one


def fill_cases(db: Database, operation_name: str, count: int, today: date, seed: int = 2026) -> int:
    """Add `count` cases to a new operation across the 45 forces; returns the cases written."""
    rng = random.Random(seed)
    with db.unit_of_work() as session:
        if session.scalar(select(Operation).where(Operation.name == operation_name)) is None:
            create_operation(session, Actor.system(), operation_name, today - timedelta(days=200))
        operation_id = session.scalars(
            select(Operation.id).where(Operation.name == operation_name)
        ).one()
        forces = list(session.scalars(select(Organisation.id).where(Organisation.kind == "force")))
    written = 0
    while written < count:
        size = min(BATCH, count - written)
        with db.unit_of_work() as session:
            _batch(session.connection(), rng, operation_id, forces, size, today)
            audit.record(
                session, Actor.system(), "synthetic.cases", "operation", operation_id, cases=size
            )
        written += size
    return written


def _batch(
    connection: Connection,
    rng: random.Random,
    operation_id: int,
    forces: list[int],
    size: int,
    today: date,
) -> None:
    now = datetime.now(UTC)
    subject_ids = reserve_ids(connection, _table(Subject), size)
    package_ids = reserve_ids(connection, _table(IntelPackage), size)
    case_ids = reserve_ids(connection, _table(Case), size)
    rows: dict[type, list[Row]] = {Subject: [], IntelPackage: [], Case: [], CaseEvent: [], Bail: []}
    for subject_id, package_id, case_id in zip(subject_ids, package_ids, case_ids, strict=True):
        force, band = rng.choice(forces), rng.choice(BANDS)
        state = rng.choices(list(PATHS), WEIGHTS)[0]
        issued = now - timedelta(days=rng.randint(1, 150))
        deadline = issued + timedelta(days=rng.choice((2, 7, 14, 28, 90)))
        snapshot = {
            "subject_id": subject_id,
            "referrals": [],
            "evidence_files_by_category": {"A": rng.randint(0, 5), "C": rng.randint(0, 40)},
            "risk": {"band": band, "assessed_band": band, "override_reason": None, "reasons": []},
            "allocation": {"source": "table", "detail": "synthetic"},
        }
        rows[Subject].append((subject_id, operation_id, "active", issued, force, "table", issued))
        package = (package_id, subject_id, force, "acknowledged", band, snapshot, deadline)
        rows[IntelPackage].append((*package, issued, "synthetic", issued, "synthetic"))
        case = (case_id, package_id, subject_id, operation_id, force, state, issued)
        rows[Case].append((*case, "synthetic", False, False, band, deadline))
        before = None
        for step, to_state in enumerate(PATHS[state]):
            when = issued + timedelta(days=step)
            rows[CaseEvent].append((case_id, before, to_state, when, "synthetic"))
            before = to_state
        if state is S.ON_BAIL:
            started = today - timedelta(days=rng.randint(0, 89))
            expires = started + timedelta(days=91)
            rows[Bail].append(
                (case_id, force, started, expires, ["reside-at-address"], "synthetic", True)
            )
    for model, columns in COLUMNS.items():
        insert_rows(connection, _table(model), columns, rows[model])


COLUMNS: dict[type, tuple[str, ...]] = {
    Subject: (
        "id",
        "operation_id",
        "status",
        "created_at",
        "force_id",
        "allocation_source",
        "allocated_at",
    ),
    IntelPackage: (
        "id",
        "subject_id",
        "force_id",
        "status",
        "risk_band",
        "snapshot",
        "deadline",
        "issued_at",
        "issued_by",
        "acknowledged_at",
        "acknowledged_by",
    ),
    Case: (
        "id",
        "package_id",
        "subject_id",
        "operation_id",
        "force_id",
        "state",
        "opened_at",
        "opened_by",
        "position_of_trust",
        "registered_sex_offender",
        "risk_band",
        "deadline",
    ),
    CaseEvent: ("case_id", "from_state", "to_state", "at", "by"),
    Bail: (
        "case_id",
        "force_id",
        "started_on",
        "expires_on",
        "conditions",
        "authorised_by",
        "active",
    ),
}

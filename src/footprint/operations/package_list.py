"""The list of intelligence packages people triage from: a page at a time, soonest deadline
first by default, each with its case (if acknowledged) and whether its deadline has passed
unmet; filtered by choices (status, risk band, deadline, force) and sorted by the columns
people triage by. A package's snapshot is read one package at a time (packages.get_package)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select

from footprint.operations.listing import Order, band_rank, chosen, order_from, ordered_by
from footprint.operations.packages import AWAITING_ACTION, LIVE_CASE, WAITING, PackageStatus
from footprint.operations.risk import Band
from footprint.operations.scoping import held_by, paged, reader_bounds
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.store import Database
from footprint.store.database import aware_utc
from footprint.store.models import Case, IntelPackage, Organisation

PACKAGE_ORDERS = ("deadline", "risk", "issued", "package", "status")
DUE_CHOICES = ("awaiting", "overdue")  # deadline still to be met; of those, passed


@dataclass(frozen=True, slots=True)
class PackageRow:
    id: int
    subject_id: int
    force: str
    status: str
    risk_band: str
    deadline: datetime
    issued_at: datetime
    case_id: int | None  # None: not yet acknowledged
    case_state: str | None
    overdue: bool  # its deadline passed and not yet met


@dataclass(frozen=True, slots=True)
class PackageFilter:
    status: str | None = None
    band: str | None = None
    due: str | None = None
    force: str | None = None

    @classmethod
    def checked(
        cls,
        status: str | None = None,
        band: str | None = None,
        due: str | None = None,
        force: str | None = None,
    ) -> PackageFilter:
        return cls(
            chosen(status, PackageStatus, "status"),
            chosen(band, Band, "band"),
            chosen(due, DUE_CHOICES, "due"),
            (force or "").strip().upper() or None,
        )

    def bounds(self) -> dict[str, Any]:
        values = {"status": self.status, "band": self.band, "force_code": self.force}
        return {k: v for k, v in values.items() if v is not None}


def list_packages(
    db: Database,
    actor: Actor,
    wanted: PackageFilter | None = None,
    offset: int = 0,
    limit: int | None = None,
    sort: str | None = None,
    now: datetime | None = None,
) -> list[PackageRow]:
    """The coordinator sees every package; a force the packages it holds."""
    wanted = wanted or PackageFilter()
    now = now or datetime.now(UTC)
    order = order_from(sort, PACKAGE_ORDERS, "deadline")
    query = _package_list(actor.is_coordinator, order, _filters_of(wanted))
    bounds = reader_bounds(actor, offset, limit, now=now, **wanted.bounds())
    with audit.reading(db) as session:
        rows = [_row(now, *values) for values in session.execute(query, bounds)]
        audit.record_read(
            session,
            actor,
            "package.list",
            "package",
            "*",
            count=len(rows),
            offset=offset,
            sort=str(order),
            **{k: v for k, v in dataclasses.asdict(wanted).items() if v},
        )
    return rows


def _row(
    now: datetime,
    package_id: int,
    subject_id: int,
    force: str,
    status: str,
    band: str,
    deadline: datetime,
    issued_at: datetime,
    case_id: int | None,
    case_state: str | None,
) -> PackageRow:
    due = aware_utc(deadline)
    waiting = case_state is None or case_state in AWAITING_ACTION
    return PackageRow(
        package_id,
        subject_id,
        force,
        status,
        band,
        due,
        aware_utc(issued_at),
        case_id,
        case_state,
        waiting and due < now,
    )


def _filters_of(wanted: PackageFilter) -> frozenset[str]:
    """The filters' names; the deadline's with its choice, which changes the statement."""
    names = {k for k, v in dataclasses.asdict(wanted).items() if v and k != "due"}
    return frozenset(names | ({f"due-{wanted.due}"} if wanted.due else set()))


@cache
def _package_list(coordinator: bool, order: Order, filters: frozenset[str]) -> Select[Any]:
    """Built once for each kind of reader, order and set of filters."""
    query = (
        select(
            IntelPackage.id,
            IntelPackage.subject_id,
            Organisation.code,
            IntelPackage.status,
            IntelPackage.risk_band,
            IntelPackage.deadline,
            IntelPackage.issued_at,
            Case.id,
            Case.state,
        )
        .join(Organisation, Organisation.id == IntelPackage.force_id)
        .outerjoin(Case, LIVE_CASE)
        .where(*held_by(IntelPackage.force_id, coordinator))
    )
    where = {
        "status": IntelPackage.status == bindparam("status"),
        "band": IntelPackage.risk_band == bindparam("band"),
        "force": Organisation.code == bindparam("force_code"),
    }
    query = query.where(*(where[name] for name in sorted(filters) if name in where))
    if filters & {"due-awaiting", "due-overdue"}:
        query = query.where(WAITING)
    if "due-overdue" in filters:
        query = query.where(IntelPackage.deadline < bindparam("now"))
    columns = {
        "deadline": IntelPackage.deadline,
        "risk": band_rank(IntelPackage.risk_band),
        "issued": IntelPackage.issued_at,
        "package": IntelPackage.id,
        "status": IntelPackage.status,
    }
    return paged(query.order_by(*ordered_by(order, columns, IntelPackage.id)))

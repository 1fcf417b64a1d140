"""Operations: created by the coordinator, visible to the forces taking part."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, select
from sqlalchemy.orm import Session, aliased

from footprint.errors import Invalid, NotFound
from footprint.operations.scoping import reader_bounds
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.permissions import Action, require
from footprint.store.models import Operation, OperationForce, Organisation


class OperationStatus(StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    CLOSED = "closed"


STATUSES = tuple(str(s) for s in OperationStatus)


class OperationError(Invalid):
    """Bad input for an operation: the message names the field."""


class OperationNotFound(OperationError, NotFound):
    """Absent and hidden read the same."""

    status = NotFound.status


@dataclass(frozen=True, slots=True)
class OperationView:
    id: int
    name: str
    starts_on: date
    ends_on: date | None
    status: str
    forces: tuple[str, ...]


def _view(operation: Operation) -> OperationView:
    return OperationView(
        operation.id,
        operation.name,
        operation.starts_on,
        operation.ends_on,
        operation.status,
        tuple(sorted(f.code for f in operation.forces)),
    )


def create_operation(
    session: Session,
    actor: Actor,
    name: str,
    starts_on: date,
    force_codes: list[str] | None = None,
    ends_on: date | None = None,
    status: str = OperationStatus.ACTIVE,
) -> OperationView:
    """Only the coordinator creates operations; no force list means all 45 take part."""
    require(actor, Action.OPERATION_CREATE)
    name = name.strip()
    if not name:
        raise OperationError("name: missing")
    if status not in STATUSES:
        raise OperationError(f"status {status!r}: choose one of {', '.join(STATUSES)}")
    if ends_on is not None and ends_on < starts_on:
        raise OperationError(f"ends_on {ends_on}: before starts_on {starts_on}")
    if session.scalar(select(Operation).where(Operation.name == name)) is not None:
        raise OperationError(f"name {name!r}: an operation with this name exists")
    forces_query = select(Organisation).where(Organisation.kind == "force")
    if force_codes:
        forces_query = forces_query.where(Organisation.code.in_(force_codes))
    forces = list(session.scalars(forces_query))
    unknown = set(force_codes or []) - {f.code for f in forces}
    if unknown:
        raise OperationError(f"forces: unknown code(s) {', '.join(sorted(unknown))}")
    operation = Operation(
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        status=status,
        created_at=datetime.now(UTC),
        forces=forces,
    )
    session.add(operation)
    session.flush()
    audit.record(
        session, actor, "operation.create", "operation", operation.id, name=name, forces=len(forces)
    )
    return _view(operation)


# A force sees the operations it takes part in (its code bound when asked); the coordinator all.
_TAKES_PART = Operation.forces.any(Organisation.code == bindparam("force"))


def _visible_if(coordinator: bool) -> list[ColumnElement[bool]]:
    return [] if coordinator else [_TAKES_PART]


def _operations_query(visible: list[ColumnElement[bool]]) -> Select[*tuple[Any, ...]]:
    force = aliased(Organisation)  # not the one _TAKES_PART's subquery names
    return (
        select(
            Operation.id,
            Operation.name,
            Operation.starts_on,
            Operation.ends_on,
            Operation.status,
            force.code,
        )
        .outerjoin(OperationForce, OperationForce.operation_id == Operation.id)
        .outerjoin(force, force.id == OperationForce.organisation_id)
        .where(*visible)
        .order_by(Operation.starts_on, Operation.name)
    )


# Every page asks for these: built once for each kind of reader (building them cost more than
# running them), keyed by whether the reader is the coordinator.
_OPERATIONS = {
    coordinator: _operations_query(_visible_if(coordinator)) for coordinator in (True, False)
}
_OPERATION_NAMED = {
    coordinator: select(Operation).where(
        Operation.name == bindparam("name"), *_visible_if(coordinator)
    )
    for coordinator in (True, False)
}


def list_operations(session: Session, actor: Actor) -> list[OperationView]:
    """Plain rows, not 45 force objects per operation, in one query (a row per operation and
    force)."""
    rows = session.execute(_OPERATIONS[actor.is_coordinator], reader_bounds(actor))
    first: dict[int, Any] = {}  # each operation's first row
    codes: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        first.setdefault(row.id, row)
        if row.code is not None:
            codes[row.id].append(row.code)
    return [
        OperationView(o.id, o.name, o.starts_on, o.ends_on, o.status, tuple(sorted(codes[o.id])))
        for o in first.values()
    ]


def get_operation(session: Session, actor: Actor, name: str) -> Operation:
    """The named operation if the actor may see it; the same error whether absent or hidden."""
    operation = session.scalar(
        _OPERATION_NAMED[actor.is_coordinator], reader_bounds(actor, name=name)
    )
    if operation is not None:
        return operation
    raise OperationNotFound(f"operation {name!r}: not found")

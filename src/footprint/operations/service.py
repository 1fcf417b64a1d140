"""Operations: created by the coordinator, visible to the forces taking part."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, aliased

from footprint.security import audit
from footprint.security.actor import AccessDenied, Actor
from footprint.store.models import Operation, OperationForce, Organisation

STATUSES = ("planned", "active", "closed")


class OperationError(ValueError):
    """Bad input for an operation: the message names the field."""


class OperationNotFound(OperationError, LookupError):
    """Absent and hidden read the same."""


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
    status: str = "active",
) -> OperationView:
    """Only the coordinator creates operations; no force list means all 45 take part."""
    if not actor.is_coordinator:
        raise AccessDenied("only the national coordinator creates operations")
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


def _visible(actor: Actor) -> list[ColumnElement[bool]]:
    if actor.is_coordinator:
        return []
    return [Operation.forces.any(Organisation.code == actor.organisation)]


def list_operations(session: Session, actor: Actor) -> list[OperationView]:
    """Every page asks: plain rows, not 45 force objects per operation, in one query (a row
    per operation and force)."""
    force = aliased(Organisation)  # not the one _visible's subquery names
    rows = session.execute(
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
        .where(*_visible(actor))
        .order_by(Operation.starts_on, Operation.name)
    )
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
    operation = session.scalar(select(Operation).where(Operation.name == name, *_visible(actor)))
    if operation is not None:
        return operation
    raise OperationNotFound(f"operation {name!r}: not found")

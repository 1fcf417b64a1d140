"""Nothing recorded on a case is edited in place or lost: a wrong search, seized device or charge
is withdrawn with a reason, by whom and when, and stays on the case marked so; a correction is a
withdrawal and the right record made anew. A withdrawn device leaves the charging summary (and
frees its scan for the right exhibit); withdrawn searches and devices leave the published figures.
Every withdrawal is audited."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from footprint.errors import Conflict, NotFound
from footprint.operations.case_view import CaseView, case_view, stated, writable_case
from footprint.operations.outcomes import OutcomeError
from footprint.operations.scoping import scoped_unit_of_work
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.permissions import Action
from footprint.store import Database
from footprint.store.models import Charge, PropertySearch, SeizedDevice

REASON_CHARS = 400


class Entry(StrEnum):
    SEARCH = "search"
    DEVICE = "device"
    CHARGE = "charge"


_MODELS: dict[Entry, Any] = {
    Entry.SEARCH: PropertySearch,
    Entry.DEVICE: SeizedDevice,
    Entry.CHARGE: Charge,
}
_WHO_MAY = {Entry.DEVICE: Action.DEVICE_RECORD}  # the rest: Action.CASE_RECORD


def withdraw_entry(
    db: Database, actor: Actor, case_id: int, kind: str, entry_id: int, reason: str
) -> CaseView:
    """Withdraw one search, device or charge of the case, saying why."""
    try:
        entry = Entry(kind.strip().lower())
    except ValueError:
        raise OutcomeError(f"kind: {kind!r} is not one of {', '.join(Entry)}") from None
    why = stated(reason, "reason", REASON_CHARS, "a withdrawal needs a reason")
    with scoped_unit_of_work(db, actor, "case", case_id) as session:
        case = writable_case(session, actor, case_id, _WHO_MAY.get(entry, Action.CASE_RECORD))
        row = session.get(_MODELS[entry], entry_id)
        if row is None or row.case_id != case_id:
            raise NotFound(f"{entry} {entry_id}: not found on case {case_id}")
        if row.withdrawn_at is not None:
            raise Conflict(f"{entry} {entry_id}: already withdrawn ({row.withdrawn_reason})")
        row.withdrawn_at, row.withdrawn_by, row.withdrawn_reason = (
            datetime.now(UTC),
            actor.username,
            why,
        )
        audit.record(
            session,
            actor,
            "case.withdraw",
            "case",
            case_id,
            kind=str(entry),
            entry=entry_id,
            reason=why,
        )
        return case_view(session, case)

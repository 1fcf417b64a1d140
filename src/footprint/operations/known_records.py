"""Known records as people correct and read them from the API and the CLI: the correction in the
hash-set store (hashsets/corrections.py) with its audit entry in the operations database, and a
record with its history for those who may export the set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from footprint.hashsets.corrections import (
    HistoryEntry,
    RecordChange,
    correct_known_record,
    known_record_history,
)
from footprint.hashsets.model import KnownHash
from footprint.hashsets.store import KnownHashStore
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.permissions import Action, require
from footprint.store import Database


@dataclass(frozen=True, slots=True)
class KnownRecordView:
    set_name: str
    record_id: str | None
    signals: dict[str, str]
    photodna: str | None
    category: str
    source_scheme: str | None
    source_category: str | None
    victim_identified: bool | None
    offender_identified: bool | None
    distributed: bool | None
    series: str | None
    history: list[HistoryEntry]


def _view(set_name: str, record: KnownHash, history: list[HistoryEntry]) -> KnownRecordView:
    return KnownRecordView(
        set_name,
        record.record_id,
        record.signals,
        record.photodna,
        str(record.category),
        record.source_scheme,
        record.source_category,
        record.victim_identified,
        record.offender_identified,
        record.distributed,
        record.series,
        history,
    )


def correct_record(
    db: Database,
    store: KnownHashStore,
    actor: Actor,
    set_name: str,
    reference: str,
    changes: dict[str, Any],
    reason: str,
) -> RecordChange:
    """Correct a record and audit it in one go: the audit entry is written in the same unit of
    work, so a correction the store refuses leaves no entry, and one it makes has one."""
    with db.unit_of_work() as session:
        change = correct_known_record(actor, store, set_name, reference, changes, reason)
        audit.record(
            session,
            actor,
            "hashset.correct",
            "hashset",
            set_name,
            record=reference,
            before=change.before,
            after=change.after,
            reason=reason.strip(),
            version=change.version,
        )
    return change


def read_record(
    store: KnownHashStore, actor: Actor, set_name: str, reference: str
) -> KnownRecordView:
    """A record with every correction made to it: for those who may export the set."""
    require(actor, Action.HASHSET_EXPORT, f"set {set_name}")
    record, history = known_record_history(store, set_name, reference)
    return _view(set_name, record, history)

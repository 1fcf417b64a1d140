"""A person corrects a known record: its category or its flags, with a reason, keeping what it said
before. A re-import never changes a category (it only fills gaps), so a wrong grade in a national
set stays wrong until someone corrects it here; the correction then outlives later imports.

A corrected category is footprint's own from then on (source scheme `footprint`): an export says
the grade a person gave, not the code it once had. Each correction moves the set's version on and
is kept in the record's history; the CLI and API also audit it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from footprint.errors import Conflict, Invalid, NotFound
from footprint.hashsets.model import KnownHash, UnifiedCategory
from footprint.hashsets.store import HashSetInfo, KnownHashStore
from footprint.security.actor import Actor
from footprint.security.permissions import Action, require

FLAGS = ("victim_identified", "offender_identified", "distributed")
CORRECTIONS = ("category", *FLAGS, "series")  # what a person may correct
MAX_SERIES = 200
OWN_SCHEME = "footprint"  # a grade a person gave here


@dataclass(frozen=True, slots=True)
class RecordChange:
    set_name: str
    version: int  # the set's version after the correction
    record: KnownHash  # as it now reads
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    changed_at: str
    changed_by: str
    reason: str
    before: dict[str, Any]
    after: dict[str, Any]


def _stored(changes: dict[str, Any]) -> dict[str, Any]:
    """The changes as the store keeps them, each value checked and named when it is wrong."""
    unknown = set(changes) - set(CORRECTIONS)
    if unknown:
        raise Invalid(
            f"{sorted(unknown)[0]}: not correctable (correctable: {', '.join(CORRECTIONS)})"
        )
    if not changes:
        raise Invalid(f"changes: none given (correctable: {', '.join(CORRECTIONS)})")
    stored: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "category":
            try:
                category = UnifiedCategory(str(value))
            except ValueError:
                choices = ", ".join(UnifiedCategory)
                raise Invalid(f"category: {value!r} is not one of {choices}") from None
            stored |= {"category": str(category), "source_scheme": OWN_SCHEME}
            stored["source_category"] = str(category)
        elif name in FLAGS:
            if value is not None and not isinstance(value, bool):
                raise Invalid(f"{name}: expected true, false or null, got {value!r}")
            stored[name] = None if value is None else int(value)
        else:
            text = None if value is None else str(value).strip() or None
            if text is not None and len(text) > MAX_SERIES:
                raise Invalid(f"series: longer than {MAX_SERIES} characters")
            stored["series"] = text
    return stored


def _one_record(store: KnownHashStore, info: HashSetInfo, reference: str) -> int:
    found = store.find_records(info.id, reference.strip())
    if not found:
        raise NotFound(f"no record {reference!r} in set {info.name} (a record id or a hash)")
    if len(found) > 1:
        raise Invalid(
            f"record: {len(found)} records of {info.name} answer to {reference!r}; "
            "name one by a hash"
        )
    return found[0]


def _shown(values: dict[str, Any]) -> dict[str, Any]:
    """Stored values as people read them: flags as true or false."""
    return {k: (v if v is None or k not in FLAGS else bool(v)) for k, v in values.items()}


def correct_known_record(
    actor: Actor,
    store: KnownHashStore,
    set_name: str,
    reference: str,
    changes: dict[str, Any],
    reason: str,
) -> RecordChange:
    """Correct one record of a set, named by its record id or one of its hashes."""
    require(actor, Action.HASHSET_CORRECT, f"set {set_name}")
    if not reason.strip():
        raise Invalid("reason: a correction needs a reason")
    stored = _stored(changes)
    with store.writing():
        store.db.execute("BEGIN IMMEDIATE")
        try:
            info = store.get_set(set_name)
            hash_id = _one_record(store, info, reference)
            before, after = store.correct_record(hash_id, stored, actor.username, reason.strip())
            if not after:
                raise Conflict(f"record {reference!r} already says that: nothing to correct")
            store.bump_version(info.id, {"last_correction": actor.username})
            store.db.execute("COMMIT")
        except BaseException:
            store.db.execute("ROLLBACK")
            raise
    record = store.record(hash_id)
    return RecordChange(set_name, info.version + 1, record, _shown(before), _shown(after))


def known_record_history(
    store: KnownHashStore, set_name: str, reference: str
) -> tuple[KnownHash, list[HistoryEntry]]:
    """A record as it now reads, and every correction made to it, oldest first."""
    info = store.get_set(set_name)
    hash_id = _one_record(store, info, reference)
    entries = [
        HistoryEntry(
            e["changed_at"], e["changed_by"], e["reason"], _shown(e["before"]), _shown(e["after"])
        )
        for e in store.history(hash_id)
    ]
    return store.record(hash_id), entries

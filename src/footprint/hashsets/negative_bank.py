"""The negative bank: the hashes of files an examiner rejected as false positives. It is an
ignore set in the known-hash store, so every matcher opened on the store honours it (a file it
knows has its hits suppressed), and a rejection can be withdrawn (undo)."""

from __future__ import annotations

from collections.abc import Mapping

from footprint.hashsets.model import KnownHash, SetKind, UnifiedCategory
from footprint.hashsets.store import NEGATIVE_BANK, KnownHashStore, SetNotFound

__all__ = ["NEGATIVE_BANK", "reject", "withdraw"]
# A rejected PDQ suppresses that hash and its re-encodings, not its neighbourhood: the known
# record it was mistaken for lies within the matching radius (31) of it, so a wide radius
# here would also suppress true copies of the known image. Re-hashing one file on the fast
# and exact decode paths moved it by up to 10 bits on the agreement corpus; 4 bits keeps the
# same file's usual re-encodings while staying far from a different picture.
NEGATIVE_PDQ_RADIUS = 4


def reject(
    store: KnownHashStore,
    entry: str,
    signals: Mapping[str, str],
    reason: str,
    rejected_by: str,
    mistaken_for: str,
) -> None:
    """Put a file's hashes in the bank under `entry` (one entry per file: a second rejection
    of the same file adds nothing), with who, why and the known record it was mistaken for."""
    record = KnownHash(
        record_id=entry,
        signals=dict(signals),
        category=UnifiedCategory.NON_PERTINENT,
        extra={"reason": reason, "rejected_by": rejected_by, "mistaken_for": mistaken_for},
    )
    with store.writing():
        store.db.execute("BEGIN IMMEDIATE")
        try:
            set_id = store.ensure_set(NEGATIVE_BANK, SetKind.IGNORE, NEGATIVE_PDQ_RADIUS)
            if store.record_ids_of(set_id, entry) == []:
                store.write_records(set_id, [record])
                store.bump_version(set_id, {"last_change": f"rejected {entry}"})
            store.db.execute("COMMIT")
        except BaseException:
            store.db.execute("ROLLBACK")
            raise
    store.pdq_tables(store.get_set(NEGATIVE_BANK))


def withdraw(store: KnownHashStore, entry: str) -> bool:
    """Take a file's entry out of the bank (a rejection undone); False if it was not there."""
    try:
        info = store.get_set(NEGATIVE_BANK)
    except SetNotFound:
        return False
    with store.writing():
        store.db.execute("BEGIN IMMEDIATE")
        try:
            removed = store.remove_records(info.id, entry)
            if removed:
                store.bump_version(info.id, {"last_change": f"withdrew {entry}"})
            store.db.execute("COMMIT")
        except BaseException:
            store.db.execute("ROLLBACK")
            raise
    store.pdq_tables(store.get_set(NEGATIVE_BANK))
    return removed > 0

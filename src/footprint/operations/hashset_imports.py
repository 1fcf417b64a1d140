"""Hash sets as the web app shows them (counts per category, versions) and an import started
from it: the uploaded file goes in through the same import as the CLI's, as a job whose
progress (records read) the page follows. Importing is for forensic examiners and the
coordinator's coordinators and analysts; anyone signed in may see the sets' counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from footprint.hashsets.formats import ImportOptions
from footprint.hashsets.model import SetKind
from footprint.hashsets.service import import_file
from footprint.hashsets.store import KnownHashStore
from footprint.operations.jobs import (
    contained_upload,
    skipped_outcome,
    start_job,
    uploaded_error,
)
from footprint.processes import IMPORT_MEMORY_MB
from footprint.security.actor import Actor
from footprint.security.permissions import Action, allows, require
from footprint.store import Database


@dataclass(frozen=True, slots=True)
class HashSetSummary:
    name: str
    kind: SetKind
    version: int
    records: int
    pdq_radius: int
    created_at: str
    updated_at: str
    last_import: str | None
    categories: dict[str, int]


_COUNTED: dict[tuple[Path, str, int], HashSetSummary] = {}  # a set's counts, per version


def hash_sets(store_path: Path) -> list[HashSetSummary]:
    """Every set with its counts; a set is counted once per version in this process (a store
    of 10^7 records takes seconds to count, and counts change only when a version does)."""
    if not store_path.exists():
        return []
    store = KnownHashStore(store_path)
    try:
        return [_summary(store, name, version) for name, version in store.versions().items()]
    finally:
        store.close()


def hash_set_names(store_path: Path) -> list[str]:
    if not store_path.exists():
        return []
    store = KnownHashStore(store_path)
    try:
        return list(store.versions())
    finally:
        store.close()


def _summary(store: KnownHashStore, name: str, version: int) -> HashSetSummary:
    key = (store.path, name, version)
    if key not in _COUNTED:
        info = store.get_set(name)
        _COUNTED[key] = HashSetSummary(
            info.name,
            info.kind,
            info.version,
            info.records,
            info.pdq_radius,
            info.created_at,
            info.updated_at,
            Path(str(info.meta.get("last_import") or "")).name or None,
            dict(sorted(store.category_counts(info.id).items())),
        )
    return _COUNTED[key]


def import_upload(
    store_path: Path,
    upload: Path,
    original_name: str,
    set_name: str,
    options: ImportOptions,
    progress: Callable[[int], None],
) -> dict[str, Any]:
    """The import itself, in the contained child process (processes.run_contained)."""
    store = KnownHashStore(store_path)
    try:
        # the job shows a count of records written; the import's stage is not shown
        report = import_file(store, upload, set_name, options, lambda n, _stage: progress(n))
    finally:
        store.close()
    return {
        "set": set_name,
        "file": original_name,
        "format": report.format,
        "records": report.imported + report.merged + len(report.skipped),
        "imported": report.imported,
        "merged": report.merged,
        **skipped_outcome(report.skipped),
        "categories": dict(report.categories),
        "error": uploaded_error(report.error, upload, original_name),
    }


def start_import(
    db: Database,
    actor: Actor,
    store_path: Path,
    upload: Path,
    original_name: str,
    set_name: str,
    options: ImportOptions,
    memory_mb: int = IMPORT_MEMORY_MB,
) -> int:
    """Import an uploaded file into a set as a job, in a process of its own limited to
    `memory_mb` (whatever the file does, the server lives); the upload is removed when it ends."""
    if not allows(actor, Action.HASHSET_IMPORT):
        upload.unlink(missing_ok=True)
        require(actor, Action.HASHSET_IMPORT)
    if not set_name.strip():
        upload.unlink(missing_ok=True)
        raise ValueError("set_name: name the set to import into")
    args = (store_path, upload, original_name, set_name.strip(), options)
    work = contained_upload(import_upload, args, upload, memory_mb)
    return start_job(db, actor, "hashset-import", f"{original_name} into {set_name}", work)

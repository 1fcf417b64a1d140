"""Where bytes come from: sources (folders, and the containers found in them: disk images,
archives), the locators they yield and the one resolver that opens any locator read-only."""

from footprint.evidence import archives, disk_images  # noqa: F401  (they register themselves)
from footprint.evidence.folders import FolderSource, folder_file
from footprint.evidence.sources import (
    ContainerSource,
    EvidenceError,
    EvidenceFile,
    EvidenceSource,
    Locator,
    WalkProblem,
    evidence_source,
    open_locator,
    read_locator,
    register_evidence_source,
    source_for,
    unregister_evidence_source,
    walk_evidence,
)

__all__ = [
    "ContainerSource",
    "EvidenceError",
    "EvidenceFile",
    "EvidenceSource",
    "FolderSource",
    "Locator",
    "WalkProblem",
    "evidence_source",
    "folder_file",
    "open_locator",
    "read_locator",
    "register_evidence_source",
    "source_for",
    "unregister_evidence_source",
    "walk_evidence",
]

"""Where bytes come from: sources (folders today; disk images and archives next), the locators
they yield and the one resolver that opens any locator read-only."""

from footprint.evidence.folders import FolderSource, folder_file
from footprint.evidence.sources import (
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

"""Where bytes come from. Today: folders (and single files); disk images come next."""

from footprint.evidence.folders import EvidenceFile, WalkProblem, walk_evidence

__all__ = ["EvidenceFile", "WalkProblem", "walk_evidence"]

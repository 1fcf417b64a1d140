"""Indexes over known hashes: exact digests, PDQ in Hamming space, and the Matcher facade.

This layer imports nothing else from footprint.
"""

from footprint.matching.matcher import ExactSource, Match, Matcher, MatchResult, PdqSet
from footprint.matching.pdq_index import (
    IndexTables,
    PdqIndex,
    brute_force_radius,
    hashes_from_hex,
)

__all__ = [
    "ExactSource",
    "IndexTables",
    "Match",
    "MatchResult",
    "Matcher",
    "PdqIndex",
    "PdqSet",
    "brute_force_radius",
    "hashes_from_hex",
]

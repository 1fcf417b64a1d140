"""Indexes over known hashes: exact digests, PDQ in Hamming space, and the Matcher facade.

This layer imports nothing else from footprint.
"""

from footprint.matching.matcher import ExactSource, Match, Matcher, MatchResult, PdqSet
from footprint.matching.pdq_index import PdqIndex, brute_force_radius, hashes_from_hex

__all__ = [
    "ExactSource",
    "Match",
    "MatchResult",
    "Matcher",
    "PdqIndex",
    "PdqSet",
    "brute_force_radius",
    "hashes_from_hex",
]

"""The Matcher facade over exact lookups and each kind's index, with ignore sets.

This layer imports only footprint.signals (what a kind is, and its index).
"""

from footprint.matching.matcher import (
    Describe,
    Details,
    ExactSource,
    IndexedSet,
    Match,
    Matcher,
    MatchResult,
    Queries,
    queries_of,
)

__all__ = [
    "Describe",
    "Details",
    "ExactSource",
    "IndexedSet",
    "Match",
    "MatchResult",
    "Matcher",
    "Queries",
    "queries_of",
]

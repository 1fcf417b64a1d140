"""One facade over every matching method: exact digests, PDQ radius search, ignore sets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from footprint.matching.pdq_index import PdqIndex

DIGEST_KINDS = ("md5", "sha1", "sha256")


@dataclass(frozen=True, slots=True)
class Match:
    set: str
    record_id: str | None
    kind: str  # md5 | sha1 | sha256 | pdq
    distance: int
    category: str
    ignore: bool = False  # the set is an ignore set (NSRL, confirmed false positives)

    def as_dict(self) -> dict[str, object]:
        return {
            "set": self.set,
            "record_id": self.record_id,
            "kind": self.kind,
            "distance": self.distance,
            "category": self.category,
        }


@dataclass(frozen=True, slots=True)
class MatchResult:
    matches: list[Match] = field(default_factory=list)
    suppressed: list[Match] = field(default_factory=list)  # hits an ignore set cancelled


class ExactSource(Protocol):
    def lookup(self, kind: str, digest: str) -> list[Match]: ...


@dataclass(slots=True)
class PdqSet:
    """One set's PDQ index; `describe` turns a row id into a Match at a given distance."""

    name: str
    radius: int
    ignore: bool
    index: PdqIndex
    describe: Callable[[list[tuple[int, int]]], list[Match]]


class Matcher:
    def __init__(self, exact: ExactSource, pdq_sets: Sequence[PdqSet]) -> None:
        self.exact = exact
        self.pdq_sets = list(pdq_sets)

    def match(self, digests: dict[str, str | None], pdq_hashes: Sequence[str]) -> MatchResult:
        """All matches for one file; `pdq_hashes` holds only hashes of matchable quality."""
        found: list[Match] = []
        for kind in DIGEST_KINDS:
            digest = digests.get(kind)
            if digest:
                found.extend(self.exact.lookup(kind, digest))
        found.extend(self._pdq_matches(pdq_hashes))
        return _apply_ignore_sets(_dedupe(found))

    def _pdq_matches(self, pdq_hashes: Sequence[str]) -> list[Match]:
        found: list[Match] = []
        for hex_value in pdq_hashes:
            query = np.frombuffer(bytes.fromhex(hex_value), dtype=np.uint8)
            for pdq_set in self.pdq_sets:
                hits = pdq_set.index.query(query, pdq_set.radius)
                if hits:
                    found.extend(pdq_set.describe(hits))
        return found


def _dedupe(found: list[Match]) -> list[Match]:
    """One match per (set, record, kind), keeping the nearest (dihedral or EXIF variants)."""
    best: dict[tuple[str, str | None, str], Match] = {}
    for match in found:
        key = (match.set, match.record_id, match.kind)
        if key not in best or match.distance < best[key].distance:
            best[key] = match
    return sorted(best.values(), key=lambda m: (m.distance, m.set, m.kind, m.record_id or ""))


def _apply_ignore_sets(found: list[Match]) -> MatchResult:
    ignores = [m for m in found if m.ignore]
    if not ignores:
        return MatchResult(found)
    return MatchResult(ignores, [m for m in found if not m.ignore])

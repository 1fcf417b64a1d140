"""One facade over every matching method: exact lookups, distance indexes, ignore sets.

The matcher knows no kind by name: exact kinds are looked up in the store, the others are
searched in each set's index of that kind (see footprint.signals.kinds)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from footprint.signals.kinds import SignalIndex, signal_kind


@dataclass(frozen=True, slots=True)
class Match:
    set: str
    record_id: str | None
    kind: str  # a signal kind's name: md5 | sha1 | sha256 | pdq | any registered
    distance: int
    category: str
    ignore: bool = False  # the set is an ignore set (NSRL, confirmed false positives)
    detail: Mapping[str, object] | None = None  # what a kind says of the match (a video's share)

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {
            "set": self.set,
            "record_id": self.record_id,
            "kind": self.kind,
            "distance": self.distance,
            "category": self.category,
        }
        if self.ignore:  # said only when true: findings of known material read as before
            found["ignore"] = True
        if self.detail:
            found.update(self.detail)
        return found


@dataclass(frozen=True, slots=True)
class MatchResult:
    matches: list[Match] = field(default_factory=list)
    suppressed: list[Match] = field(default_factory=list)  # hits an ignore set cancelled


class ExactSource(Protocol):
    def lookup(self, kind: str, value: str) -> list[Match]: ...


Details = Mapping[int, Mapping[str, object]]  # row id -> what the index says of that match
# (row id, distance) and their details -> matches
Describe = Callable[[list[tuple[int, int]], Details], list[Match]]


@dataclass(slots=True)
class IndexedSet:
    """One set's index of one kind; `describe` turns row ids into Matches at their distance."""

    name: str
    kind: str
    threshold: int
    ignore: bool
    index: SignalIndex
    describe: Describe


Queries = Mapping[str, Sequence[str]]  # kind -> the values to look up (PDQ: every orientation)


class Matcher:
    def __init__(self, exact: ExactSource, indexed: Sequence[IndexedSet]) -> None:
        self.exact = exact
        self.indexed = list(indexed)

    def match(self, queries: Queries) -> MatchResult:
        """All matches for one file; an absent or empty kind is not looked up."""
        found: list[Match] = []
        for kind, values in queries.items():
            if not values:
                continue
            if signal_kind(kind).exact:
                for value in values:
                    found.extend(self.exact.lookup(kind, value))
            else:
                found.extend(self._nearby(kind, values))
        return _apply_ignore_sets(_dedupe(found))

    def _nearby(self, kind: str, values: Sequence[str]) -> list[Match]:
        found: list[Match] = []
        for value in values:
            for indexed in self.indexed:
                if indexed.kind == kind:
                    hits = indexed.index.query(value, indexed.threshold)
                    if hits:
                        found.extend(indexed.describe(hits, _details(indexed, value, hits)))
        return found


def _details(indexed: IndexedSet, value: str, hits: list[tuple[int, int]]) -> Details:
    """An index that explains its matches (a video index: share matched, first frame's time)
    has `detail(value, row)`; the others say nothing more than the distance."""
    explain = getattr(indexed.index, "detail", None)
    return {row: explain(value, row) for row, _ in hits} if explain else {}


def queries_of(values: Mapping[str, str | None]) -> dict[str, list[str]]:
    """Queries from one stored value per kind (a referral file's, say): absent ones dropped."""
    return {kind: [value] for kind, value in values.items() if value}


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

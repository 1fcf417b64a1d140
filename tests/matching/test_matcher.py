from __future__ import annotations

import numpy as np

from footprint.matching import Details, IndexedSet, Match, Matcher
from footprint.signals.pdq_index import PdqIndex, hashes_from_hex

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
NEAR = "f8f8f0cee0f4a84f06370a2a038f63f0b36e26d596621e1d33e6b39c4e9c9b22"  # 2 bits away


class FakeExact:
    def __init__(self, table: dict[tuple[str, str], list[Match]]) -> None:
        self.table = table

    def lookup(self, kind: str, digest: str) -> list[Match]:
        return self.table.get((kind, digest), [])


def pdq_set(name: str, hexes: list[str], ignore: bool = False, radius: int = 31) -> IndexedSet:
    ids = np.arange(len(hexes), dtype=np.int64)

    def describe(hits: list[tuple[int, int]], details: Details) -> list[Match]:
        return [Match(name, f"r{i}", "pdq", d, "B", ignore) for i, d in hits]

    return IndexedSet(name, "pdq", radius, ignore, PdqIndex(hashes_from_hex(hexes), ids), describe)


def test_exact_and_pdq_matches_are_combined_and_deduplicated() -> None:
    exact = FakeExact({("md5", "m1"): [Match("known", "r0", "md5", 0, "A")]})
    matcher = Matcher(exact, [pdq_set("known", [PDQ])])
    result = matcher.match({"md5": ["m1"], "sha1": [], "pdq": [NEAR, PDQ]})
    assert result.suppressed == []
    assert [(m.kind, m.distance) for m in result.matches] == [("md5", 0), ("pdq", 0)]


def test_radius_is_per_set() -> None:
    matcher = Matcher(FakeExact({}), [pdq_set("tight", [PDQ], radius=1), pdq_set("wide", [PDQ])])
    result = matcher.match({"pdq": [NEAR]})
    assert [m.set for m in result.matches] == ["wide"]


def test_ignore_sets_suppress_hits() -> None:
    exact = FakeExact(
        {
            ("sha1", "s1"): [
                Match("known", "r9", "sha1", 0, "C"),
                Match("nsrl", None, "sha1", 0, "non-pertinent", ignore=True),
            ]
        }
    )
    matcher = Matcher(exact, [pdq_set("known", [PDQ])])
    result = matcher.match({"sha1": ["s1"], "pdq": [PDQ]})
    assert [m.set for m in result.matches] == ["nsrl"]
    assert {m.set for m in result.suppressed} == {"known"}
    assert len(result.suppressed) == 2

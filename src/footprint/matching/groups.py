"""Near-duplicate groups: files whose PDQ hashes lie within a radius of each other (or that
share an exact digest) are one group, so a person grades the picture once. Groups are the
connected parts of the "near" relation (single linkage), found with a union-find."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from footprint.signals.pdq_index import distances_to, hashes_from_hex


class _Union:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def join(self, a: int, b: int) -> None:
        first, second = self.find(a), self.find(b)
        if first != second:  # the smaller position leads: groups keep their first file
            self.parent[max(first, second)] = min(first, second)


def near_duplicate_groups(
    pdqs: Sequence[str | None], digests: Sequence[str | None], radius: int
) -> list[list[int]]:
    """Positions grouped: equal digests, or PDQs within `radius` bits; each group in position
    order, the groups in the order of their first position."""
    union = _Union(len(pdqs))
    first_of: dict[str, int] = {}
    for position, digest in enumerate(digests):
        if digest:
            union.join(first_of.setdefault(digest, position), position)
    with_pdq = [i for i, value in enumerate(pdqs) if value]
    hashes = hashes_from_hex([pdqs[i] or "" for i in with_pdq])
    for row, position in enumerate(with_pdq[:-1]):
        near = np.nonzero(distances_to(hashes[row + 1 :], hashes[row]) <= radius)[0]
        for other in near:
            union.join(position, with_pdq[row + 1 + int(other)])
    groups: dict[int, list[int]] = {}
    for position in range(len(pdqs)):
        groups.setdefault(union.find(position), []).append(position)
    return list(groups.values())

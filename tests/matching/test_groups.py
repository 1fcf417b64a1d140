"""Near-duplicate groups: PDQ within the radius or the same digest, single linkage, in order."""

from __future__ import annotations

import random

from footprint.matching.groups import near_duplicate_groups


def _flip(value: str, bits: int, rng: random.Random) -> str:
    number = int(value, 16)
    for bit in rng.sample(range(256), bits):
        number ^= 1 << bit
    return f"{number:064x}"


def test_groups_join_near_hashes_and_equal_digests_in_first_position_order() -> None:
    rng = random.Random(17)
    a, b = rng.randbytes(32).hex(), rng.randbytes(32).hex()
    a_near = _flip(a, 20, rng)  # within 31 of a
    a_chain = _flip(a_near, 20, rng)  # within 31 of a_near, likely not of a: single linkage
    pdqs = [b, a, None, a_near, None, a_chain]
    digests = ["m1", None, "m2", None, "m1", None]
    groups = near_duplicate_groups(pdqs, digests, 31)
    assert groups == [[0, 4], [1, 3, 5], [2]]
    assert near_duplicate_groups(pdqs, digests, 0) == [[0, 4], [1], [2], [3], [5]]
    assert near_duplicate_groups([], [], 31) == []


def test_random_hashes_stay_apart() -> None:
    rng = random.Random(3)
    pdqs = [rng.randbytes(32).hex() for _ in range(300)]  # ~128 bits apart on average
    assert near_duplicate_groups(pdqs, [None] * 300, 31) == [[i] for i in range(300)]

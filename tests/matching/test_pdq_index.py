"""The index returns precisely what brute force returns, on random and on clustered data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from footprint.signals.pdq_index import (
    IndexTables,
    PdqIndex,
    brute_force_radius,
    hashes_from_hex,
)


def flip_bits(base: np.ndarray, rng: np.random.Generator, flips: int) -> np.ndarray:
    bits = np.unpackbits(base.copy())
    positions = rng.choice(256, size=flips, replace=False)
    bits[positions] ^= 1
    return np.packbits(bits)


def clustered(seed: int, centres: int, per_centre: int, max_flips: int) -> np.ndarray:
    """Near-duplicates around a few centres: the hard case for any Hamming index."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(centres):
        centre = rng.integers(0, 256, 32, dtype=np.uint8)
        rows.append(centre)
        rows.extend(
            flip_bits(centre, rng, int(rng.integers(1, max_flips + 1))) for _ in range(per_centre)
        )
    return np.array(rows, dtype=np.uint8)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    size=st.integers(0, 400),
    radius=st.integers(0, 80),
)
def test_random_data_equals_brute_force(seed: int, size: int, radius: int) -> None:
    rng = np.random.default_rng(seed)
    hashes = rng.integers(0, 256, (size, 32), dtype=np.uint8)
    ids = rng.permutation(size * 3)[:size].astype(np.int64)
    index = PdqIndex(hashes, ids)
    queries = [rng.integers(0, 256, 32, dtype=np.uint8)]
    if size:
        queries.append(flip_bits(hashes[0], rng, min(radius, 256)))
    for query in queries:
        assert index.query(query, radius) == brute_force_radius(hashes, ids, query, radius)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    centres=st.integers(1, 8),
    per_centre=st.integers(1, 60),
    max_flips=st.integers(1, 70),
    radius=st.sampled_from([0, 1, 15, 16, 17, 31, 32, 47, 48, 63]),
)
def test_clustered_data_equals_brute_force(
    seed: int, centres: int, per_centre: int, max_flips: int, radius: int
) -> None:
    hashes = clustered(seed, centres, per_centre, max_flips)
    ids = np.arange(len(hashes), dtype=np.int64) + 10
    index = PdqIndex(hashes, ids)
    rng = np.random.default_rng(seed + 1)
    for row in rng.choice(len(hashes), size=min(5, len(hashes)), replace=False):
        query = flip_bits(hashes[row], rng, int(rng.integers(0, 40)))
        expected = brute_force_radius(hashes, ids, query, radius)
        assert index.query(query, radius) == expected


def test_threshold_is_inclusive_and_results_are_sorted() -> None:
    base = np.zeros(32, dtype=np.uint8)
    rng = np.random.default_rng(1)
    hashes = np.array([flip_bits(base, rng, d) for d in (31, 0, 32, 5)], dtype=np.uint8)
    index = PdqIndex(hashes, np.array([1, 2, 3, 4]))
    assert index.query(base, 31) == [(2, 0), (4, 5), (1, 31)]


def test_hex_round_trip() -> None:
    values = ["00" * 32, "ff" * 32, "0123456789abcdef" * 4]
    array = hashes_from_hex(values)
    assert array.shape == (3, 32)
    assert [row.tobytes().hex() for row in array] == values
    assert hashes_from_hex([]).shape == (0, 32)


def test_tables_opened_from_disk_answer_as_brute_force_on_both_paths(tmp_path: Path) -> None:
    """A store opens its index as memory maps: the probe (radius 31) and the compiled scan of
    every hash (radius 63, what the fast path's near-known check asks) read them in place."""
    hashes = clustered(7, 6, 40, 60)
    ids = np.arange(len(hashes), dtype=np.int64) * 3
    tables = IndexTables.build(hashes, ids)
    saved = []
    for name in ("hashes", "ids", "order", "offsets"):
        np.save(tmp_path / f"{name}.npy", getattr(tables, name))
        saved.append((name, tmp_path / f"{name}.npy"))
    index = PdqIndex.from_tables(IndexTables.load(saved))
    assert isinstance(index.tables.hashes, np.memmap)
    rng = np.random.default_rng(8)
    for row in range(0, len(hashes), 17):
        query = flip_bits(hashes[row], rng, int(rng.integers(0, 30)))
        for radius in (31, 47, 63, 80):
            assert index.query(query, radius) == brute_force_radius(hashes, ids, query, radius)


def test_more_near_hashes_than_the_scan_first_makes_room_for() -> None:
    """The compiled scan keeps 64 hits, then looks again with room for all of them."""
    rng = np.random.default_rng(3)
    base = rng.integers(0, 256, 32, dtype=np.uint8)
    hashes = np.array([flip_bits(base, rng, int(rng.integers(0, 60))) for _ in range(300)])
    ids = np.arange(300, dtype=np.int64)
    found = PdqIndex(hashes, ids).query(base, 63)
    assert len(found) == 300
    assert found == brute_force_radius(hashes, ids, base, 63)

"""The index returns precisely what brute force returns, on random and on clustered data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footprint.signals.pdq_index import (
    IndexTables,
    PdqIndex,
    brute_force_radius,
    chunk_bits_for,
    chunk_keys,
    hashes_from_hex,
    probing_pays,
    query_chunk_values,
)

# Chunk lengths light enough to build many times (2^20 offsets a chunk at most); 21-23 bits,
# what sets of millions get, are built once each below.
LIGHT_CHUNK_BITS = st.sampled_from([16, 17, 19, 20])


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


def answers_as_brute_force(
    index: PdqIndex, hashes: np.ndarray, ids: np.ndarray, query: np.ndarray, radius: int
) -> None:
    """Probed, scanned and as the index chooses: each exactly brute force's answer."""
    expected = brute_force_radius(hashes, ids, query, radius)
    assert index.query(query, radius, probe=True) == expected
    assert index.query(query, radius, probe=False) == expected
    assert index.query(query, radius) == expected


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    size=st.integers(0, 400),
    radius=st.integers(0, 80),
    bits=LIGHT_CHUNK_BITS,
)
def test_random_data_equals_brute_force(seed: int, size: int, radius: int, bits: int) -> None:
    rng = np.random.default_rng(seed)
    hashes = rng.integers(0, 256, (size, 32), dtype=np.uint8)
    ids = rng.permutation(size * 3)[:size].astype(np.int64)
    index = PdqIndex.from_tables(IndexTables.build(hashes, ids, chunk_bits=bits))
    queries = [rng.integers(0, 256, 32, dtype=np.uint8)]
    if size:
        queries.append(flip_bits(hashes[0], rng, min(radius, 256)))
    for query in queries:
        answers_as_brute_force(index, hashes, ids, query, radius)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    centres=st.integers(1, 8),
    per_centre=st.integers(1, 60),
    max_flips=st.integers(1, 70),
    radius=st.sampled_from([0, 1, 15, 16, 17, 31, 32, 47, 48, 63]),
    bits=LIGHT_CHUNK_BITS,
)
def test_clustered_data_equals_brute_force(
    seed: int, centres: int, per_centre: int, max_flips: int, radius: int, bits: int
) -> None:
    hashes = clustered(seed, centres, per_centre, max_flips)
    ids = np.arange(len(hashes), dtype=np.int64) + 10
    index = PdqIndex.from_tables(IndexTables.build(hashes, ids, chunk_bits=bits))
    rng = np.random.default_rng(seed + 1)
    for row in rng.choice(len(hashes), size=min(5, len(hashes)), replace=False):
        query = flip_bits(hashes[row], rng, int(rng.integers(0, 40)))
        answers_as_brute_force(index, hashes, ids, query, radius)


@pytest.mark.parametrize("bits", [21, 22, 23])
def test_long_chunks_of_large_sets_equal_brute_force(bits: int) -> None:
    """The layouts sets of millions get, on clustered data small enough to check."""
    hashes = np.concatenate([clustered(bits, 10, 50, 40), clustered(bits + 1, 400, 0, 1)])
    ids = np.arange(len(hashes), dtype=np.int64) * 7
    index = PdqIndex.from_tables(IndexTables.build(hashes, ids, chunk_bits=bits))
    assert index.chunk_bits == bits and index.tables.order.shape == (256 // bits, len(hashes))
    rng = np.random.default_rng(bits)
    for row in range(0, 500, 23):
        query = flip_bits(hashes[row], rng, int(rng.integers(0, 36)))
        for radius in (0, 2, 11, 22, 31, 33, 47):
            expected = brute_force_radius(hashes, ids, query, radius)
            assert index.query(query, radius, probe=True) == expected


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), bits=st.integers(16, 23))
def test_a_query_cuts_its_chunks_as_the_build_does(seed: int, bits: int) -> None:
    hashes = np.random.default_rng(seed).integers(0, 256, (20, 32), dtype=np.uint8)
    columns = np.stack([chunk_keys(hashes, bits, c) for c in range(256 // bits)], axis=1)
    for row, hash_bytes in enumerate(hashes):
        assert columns[row].tolist() == query_chunk_values(hash_bytes.tobytes(), bits).tolist()
        bit_string = "".join(f"{byte:08b}" for byte in hash_bytes)
        first = [int(bit_string[c * bits : (c + 1) * bits], 2) for c in range(256 // bits)]
        assert columns[row].tolist() == first
    if bits == 16:
        assert np.array_equal(columns, hashes.view(">u2"))


def test_tables_saved_before_chunks_varied_open_and_answer() -> None:
    """Every index saved before 2026-12 has 16-bit chunks sorted by numpy's stable argsort and
    int64 offsets: the counting sort gives the same order, and such tables still answer."""
    hashes = clustered(5, 5, 40, 30)
    ids = np.arange(len(hashes), dtype=np.int64)
    tables = IndexTables.build(hashes, ids, chunk_bits=16)
    columns = hashes.view(">u2")
    for chunk in range(16):
        assert np.array_equal(tables.order[chunk], np.argsort(columns[:, chunk], kind="stable"))
    old = IndexTables(hashes, ids, tables.order, tables.offsets.astype(np.int64))
    index = PdqIndex.from_tables(old)
    assert index.chunk_bits == 16
    query = flip_bits(hashes[3], np.random.default_rng(5), 12)
    answers_as_brute_force(index, hashes, ids, query, 31)


def test_tables_that_do_not_fit_together_are_refused() -> None:
    hashes = clustered(6, 2, 10, 10)
    tables = IndexTables.build(hashes, np.arange(len(hashes)), chunk_bits=16)
    with pytest.raises(ValueError, match="do not fit together"):
        IndexTables(hashes, tables.ids, tables.order[:11], tables.offsets)
    with pytest.raises(ValueError, match="do not fit together"):
        IndexTables(hashes[:-1], tables.ids, tables.order, tables.offsets)
    with pytest.raises(ValueError, match="from 16 to 23"):
        IndexTables.build(hashes, tables.ids, chunk_bits=24)


def test_damaged_tables_are_refused_not_read_out_of_bounds() -> None:
    """The compiled loops read without bounds checks: a table whose offsets run backwards or
    past the end, or whose order names a row that does not exist, raises instead."""
    hashes = clustered(9, 4, 30, 20)
    ids = np.arange(len(hashes), dtype=np.int64)
    tables = IndexTables.build(hashes, ids, chunk_bits=16)
    query = flip_bits(hashes[0], np.random.default_rng(9), 3)
    value = int(hashes[0].view(">u2")[0])  # chunk 0's probe at distance 0 reads this run
    backwards = tables.offsets.copy()
    backwards[0, value + 1] = backwards[0, value] - 1
    past_the_end = tables.offsets.copy()
    past_the_end[0, value + 1] = len(ids) + 5
    wrong_row = tables.order.copy()
    wrong_row[0, tables.offsets[0, value]] = len(ids) + 1000
    for order, offsets, reason in (
        (tables.order, backwards, "offset out of order"),
        (tables.order, past_the_end, "offset out of order"),
        (wrong_row, tables.offsets, "row number out of range"),
    ):
        damaged = PdqIndex.from_tables(IndexTables(hashes, ids, order, offsets))
        with pytest.raises(ValueError, match=reason):
            damaged.query(query, 31, probe=True)


def test_layout_and_method_follow_the_cost_model() -> None:
    assert [chunk_bits_for(n) for n in (0, 1_000, 100_000, 1_000_000)] == [16, 16, 16, 16]
    assert chunk_bits_for(10_000_000) == 23
    sizes = [10**k for k in range(2, 9)] + [2_000_000, 3_000_000, 5_000_000]
    chosen = [chunk_bits_for(n) for n in sorted(sizes)]
    assert chosen == sorted(chosen)  # never shorter chunks for a larger set
    assert probing_pays(10_000_000, 23, 31) and probing_pays(10_000_000, 16, 47)
    assert not probing_pays(10_000_000, 23, 63)  # the fast path's near-known radius: a scan
    assert not probing_pays(1_000, 16, 31)  # a small set: comparing all is quicker
    assert probing_pays(1_000_000, 16, 31)


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
            answers_as_brute_force(index, hashes, ids, query, radius)


def test_more_near_hashes_than_the_scan_first_makes_room_for() -> None:
    """The compiled scan keeps 64 hits, then looks again with room for all of them."""
    rng = np.random.default_rng(3)
    base = rng.integers(0, 256, 32, dtype=np.uint8)
    hashes = np.array([flip_bits(base, rng, int(rng.integers(0, 60))) for _ in range(300)])
    ids = np.arange(300, dtype=np.int64)
    found = PdqIndex(hashes, ids).query(base, 63, probe=False)
    assert len(found) == 300
    assert found == brute_force_radius(hashes, ids, base, 63)

"""Exact PDQ radius search in Hamming space.

``PdqIndex`` is a multi-index hash (Norouzi et al.): the 256 bits are cut into 16 chunks of 16
bits. If two hashes are within distance r, at least one chunk differs in at most r // 16 bits
(pigeonhole), so probing every chunk value within that many bit flips finds every true neighbour;
candidates are then verified at full length. A radius so wide that probing would cost more
(over 47 bits) compares every hash instead, in one compiled pass. Either way the result is
exactly what brute force returns, which ``brute_force_radius`` stays in the code to prove
(tests/matching).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from footprint.signals.compiled import compiled

HASH_BYTES = 32
CHUNKS = 16
CHUNK_BITS = 16
# Beyond this many flips per chunk probing costs more than comparing every hash (_scan_all),
# measured at 100 k, 1 M and 10 M hashes: at radius 63 (three flips) the scan is 4-9x quicker
# (10 M: 35 against 136 ms a query), at radius 47 (two) the two are within 1.5x either way.
MAX_FLIPS_PER_CHUNK = 2


def hashes_from_hex(hex_values: list[str]) -> np.ndarray:
    """(N, 32) uint8 array from 64-digit hex strings."""
    if not hex_values:
        return np.zeros((0, HASH_BYTES), dtype=np.uint8)
    joined = bytes.fromhex("".join(hex_values))
    return np.frombuffer(joined, dtype=np.uint8).reshape(-1, HASH_BYTES).copy()


def distances_to(hashes: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Hamming distance from one (32,) query to each row of (N, 32) hashes."""
    counts: np.ndarray = np.bitwise_count(np.bitwise_xor(hashes, query)).sum(axis=1, dtype=np.int32)
    return counts


def brute_force_radius(
    hashes: np.ndarray, ids: np.ndarray, query: np.ndarray, radius: int
) -> list[tuple[int, int]]:
    """The oracle: every (id, distance) within radius, sorted by distance then id."""
    distances = distances_to(hashes, query)
    rows = np.nonzero(distances <= radius)[0]
    return _nearest_first((int(ids[r]), int(distances[r])) for r in rows)


def _nearest_first(hits: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    return sorted(hits, key=lambda hit: (hit[1], hit[0]))


def _ctpop(typingctx: Any, word: Any) -> Any:
    """LLVM's ctpop: one POPCNT instruction (numba has no popcount of its own)."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        ctpop = builder.module.declare_intrinsic("llvm.ctpop", [ir.IntType(64)])
        return builder.call(ctpop, args)

    return types.uint64(types.uint64), codegen


_popcount: Any = intrinsic(_ctpop)


@compiled
def _scan_all(
    words: np.ndarray, query: np.ndarray, radius: int, rows: np.ndarray, distances: np.ndarray
) -> int:
    """How many hashes lie within radius of the query; the first len(rows) of them go into
    rows and distances. The hashes are one flat run of uint64 words, 4 a hash (indexing an
    (N, 4) array, or growing the output inside the loop, measured 5x slower): one pass in memory
    order, no temporaries (numpy's brute force makes two arrays the size of the set)."""
    q0, q1, q2, q3 = query[0], query[1], query[2], query[3]
    found = 0
    for row in range(words.shape[0] // 4):
        at = 4 * row
        distance = (
            _popcount(words[at] ^ q0)
            + _popcount(words[at + 1] ^ q1)
            + _popcount(words[at + 2] ^ q2)
            + _popcount(words[at + 3] ^ q3)
        )
        if distance <= radius:
            if found < rows.shape[0]:
                rows[found] = row
                distances[found] = distance
            found += 1
    return found


@cache
def _flip_masks(max_flips: int) -> np.ndarray:
    masks = [0]
    for flips in range(1, max_flips + 1):
        for bits in combinations(range(CHUNK_BITS), flips):
            masks.append(sum(1 << b for b in bits))
    return np.array(masks, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class IndexTables:
    """What a built index consists of; saved beside a hash set so opening it is a memory map."""

    hashes: np.ndarray  # (N, 32) uint8
    ids: np.ndarray  # (N,) int64
    order: np.ndarray  # (16, N) int32: row numbers sorted by each chunk's value
    offsets: np.ndarray  # (16, 65537) int64: where each chunk value starts in `order`

    @classmethod
    def load(cls, paths: Iterable[tuple[str, str | Path]]) -> IndexTables:
        """Tables saved as .npy files, memory-mapped: (table name, path) for each field."""
        return cls(**{name: np.load(path, mmap_mode="r") for name, path in paths})

    @classmethod
    def build(cls, hashes: np.ndarray, ids: np.ndarray) -> IndexTables:
        if hashes.ndim != 2 or hashes.shape[1] != HASH_BYTES or len(hashes) != len(ids):
            raise ValueError("hashes must be (N, 32) uint8 with one id per row")
        hashes = np.ascontiguousarray(hashes, dtype=np.uint8)
        words = hashes.view(">u2")  # (N, 16) chunk values, a view
        order = np.empty((CHUNKS, len(hashes)), dtype=np.int32)
        offsets = np.zeros((CHUNKS, (1 << CHUNK_BITS) + 1), dtype=np.int64)
        # One chunk at a time, as native uint16: numpy's stable sort of 16-bit keys is a radix
        # sort (10 M hashes: 50 s -> 7 s), and the temporaries are one column's, not all 16.
        for chunk in range(CHUNKS):
            column = words[:, chunk].astype(np.uint16)
            order[chunk] = np.argsort(column, kind="stable")
            np.cumsum(np.bincount(column, minlength=1 << CHUNK_BITS), out=offsets[chunk, 1:])
        return cls(hashes, np.asarray(ids, dtype=np.int64), order, offsets)


class PdqIndex:
    """Radius search over a fixed set of PDQ hashes with their record ids."""

    def __init__(self, hashes: np.ndarray, ids: np.ndarray) -> None:
        self._use(IndexTables.build(hashes, ids))

    @classmethod
    def from_tables(cls, tables: IndexTables) -> PdqIndex:
        index = cls.__new__(cls)
        index._use(tables)
        return index

    def _use(self, tables: IndexTables) -> None:
        self.tables = tables
        self.hashes = tables.hashes
        self.ids = tables.ids
        # 8 bytes a gather; a plain array over the same memory (the tables may be memory maps)
        self._words = np.asarray(np.ascontiguousarray(tables.hashes).view(np.uint64))
        self._order = tables.order
        self._offsets = tables.offsets

    def __len__(self) -> int:
        return len(self.ids)

    def query(self, query: np.ndarray | str, radius: int) -> list[tuple[int, int]]:
        """Every (id, distance) within radius, sorted by distance then id."""
        if isinstance(query, str):
            query = np.frombuffer(bytes.fromhex(query), dtype=np.uint8)
        if len(self.ids) == 0 or radius < 0:
            return []
        flips = radius // CHUNKS
        if flips > MAX_FLIPS_PER_CHUNK:
            return self._scan(query, radius)
        rows = self._candidates(query, flips)
        query_words = np.ascontiguousarray(query, dtype=np.uint8).view(np.uint64)
        gathered = np.take(self._words, rows, axis=0)
        distances = np.bitwise_count(gathered ^ query_words).sum(axis=1)
        # a row can be a candidate through several chunks: dedupe the few hits, not every candidate
        hit_rows, first = np.unique(rows[distances <= radius], return_index=True)
        hit_distances = distances[distances <= radius][first]
        found = zip(self.ids[hit_rows].tolist(), hit_distances.tolist(), strict=True)
        return _nearest_first(found)

    def _scan(self, query: np.ndarray, radius: int) -> list[tuple[int, int]]:
        """Every hash compared, compiled: what a radius too wide to probe for costs least."""
        query_words = np.ascontiguousarray(query, dtype=np.uint8).view(np.uint64)
        words, room = self._words.reshape(-1), 64
        while True:  # a second pass only when more than `room` hashes are that near
            rows, distances = np.empty(room, dtype=np.int64), np.empty(room, dtype=np.int64)
            found = _scan_all(words, query_words, radius, rows, distances)
            if found <= room:
                break
            room = found
        hits = zip(self.ids[rows[:found]].tolist(), distances[:found].tolist(), strict=True)
        return _nearest_first(hits)

    def _candidates(self, query: np.ndarray, flips: int) -> np.ndarray:
        """Rows sharing a chunk value within `flips` bits of the query's (may repeat)."""
        chunk_values = np.ascontiguousarray(query, dtype=np.uint8).view(">u2").astype(np.int64)
        probes = chunk_values[:, None] ^ _flip_masks(flips)[None, :]  # (16, probes per chunk)
        chunk_rows = np.arange(CHUNKS)[:, None]
        starts = self._offsets[chunk_rows, probes].ravel()
        lengths = self._offsets[chunk_rows, probes + 1].ravel() - starts
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64)
        # flat positions into self._order: chunk * N + start + 0..length-1 for every probe
        bases = starts + np.repeat(np.arange(CHUNKS) * len(self.ids), probes.shape[1])
        run_starts = np.cumsum(lengths) - lengths
        positions = np.repeat(bases - run_starts, lengths) + np.arange(total)
        return self._order.reshape(-1)[positions].astype(np.intp)

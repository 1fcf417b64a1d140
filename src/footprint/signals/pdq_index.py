"""Exact PDQ radius search in Hamming space.

``PdqIndex`` is a multi-index hash (Norouzi et al.): the 256 bits are cut into 16 chunks of 16
bits. If two hashes are within distance r, at least one chunk differs in at most r // 16 bits
(pigeonhole), so probing every chunk value within that many bit flips finds every true neighbour;
candidates are then verified at full length, in a compiled loop that asks the memory for each
candidate's hash a few candidates ahead (software prefetch: the candidates lie at random
places in the hashes, and waiting for each in turn halved the speed). A radius so wide that
probing would cost more (over 47 bits) compares every hash instead, in one compiled pass.
Either way the result is exactly what brute force returns, which ``brute_force_radius`` stays
in the code to prove (tests/matching).
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
from numba.core import cgutils as numba_cgutils
from numba.extending import intrinsic

from footprint.signals.compiled import compiled

cgutils: Any = numba_cgutils  # numba's code-generation helpers are untyped

HASH_BYTES = 32
CHUNKS = 16
CHUNK_BITS = 16
# How many candidates ahead the verifying loop asks the memory for a candidate's hash: each one
# is a cache miss at a random place in the hashes, and the CPU keeps about ten in flight. At
# 10 M hashes (41,500 candidates a query) measured 720 q/s with none, 1,190 at 8, 1,480 at 16,
# 1,610 at 20, 1,700 at 24.
PREFETCH_AHEAD = 24
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


def _prefetch_item(typingctx: Any, array: Any, index: Any) -> Any:
    """LLVM's prefetch of array[index] for reading: the CPU starts loading its cache line
    and goes on (numba has no prefetch of its own)."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        array_type = signature.args[0]
        view = context.make_array(array_type)(context, builder, args[0])
        item = cgutils.get_item_pointer(
            context, builder, array_type, view, [args[1]], wraparound=False
        )
        byte_pointer = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        prefetch = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32]),
            "llvm.prefetch.p0",
        )
        # read, no temporal locality hint beyond the default (0), data cache (1)
        read, locality, data = ir.Constant(i32, 0), ir.Constant(i32, 0), ir.Constant(i32, 1)
        builder.call(prefetch, [builder.bitcast(item, byte_pointer), read, locality, data])
        return context.get_dummy_value()

    return types.void(array, index), codegen


_prefetch: Any = intrinsic(_prefetch_item)


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


@compiled
def _candidate_count(offsets: np.ndarray, chunk_values: np.ndarray, masks: np.ndarray) -> int:
    """How many rows the probes name, repeats included (each chunk's value, flipped by each
    mask)."""
    count = 0
    for chunk in range(chunk_values.shape[0]):
        for mask in masks:
            value = chunk_values[chunk] ^ mask
            count += offsets[chunk, value + 1] - offsets[chunk, value]
    return count


@compiled
def _gather_candidates(
    order: np.ndarray,
    offsets: np.ndarray,
    chunk_values: np.ndarray,
    masks: np.ndarray,
    rows: np.ndarray,
) -> None:
    """The rows the probes name, into `rows` (sized by _candidate_count): runs read in order."""
    at = 0
    for chunk in range(chunk_values.shape[0]):
        for mask in masks:
            value = chunk_values[chunk] ^ mask
            for position in range(offsets[chunk, value], offsets[chunk, value + 1]):
                rows[at] = order[chunk, position]
                at += 1


@compiled
def _keep_within(
    words: np.ndarray, query: np.ndarray, radius: int, rows: np.ndarray, distances: np.ndarray
) -> int:
    """Keep, at the front of rows (distances beside them), the candidates within radius of the
    query; returns how many. The hash PREFETCH_AHEAD candidates on is asked for while this one
    is compared, so the cache misses overlap instead of queueing one by one."""
    q0, q1, q2, q3 = query[0], query[1], query[2], query[3]
    count = rows.shape[0]
    kept = 0
    for k in range(count):
        if k + PREFETCH_AHEAD < count:
            _prefetch(words, 4 * rows[k + PREFETCH_AHEAD])
        row = rows[k]
        at = 4 * row
        distance = (
            _popcount(words[at] ^ q0)
            + _popcount(words[at + 1] ^ q1)
            + _popcount(words[at + 2] ^ q2)
            + _popcount(words[at + 3] ^ q3)
        )
        if distance <= radius:
            rows[kept] = row  # kept <= k: this candidate has been read already
            distances[kept] = distance
            kept += 1
    return kept


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
        self._flat_words = self._words.reshape(-1)
        # plain arrays over the tables' memory (numba reads ndarrays, not memory-map objects)
        self._order = np.asarray(tables.order)
        self._offsets = np.asarray(tables.offsets)

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
        distances = np.empty(len(rows), dtype=np.int64)
        query_words = np.ascontiguousarray(query, dtype=np.uint8).view(np.uint64)
        kept = _keep_within(self._flat_words, query_words, radius, rows, distances)
        # a row can be a candidate through several chunks: dedupe the few hits, not every candidate
        hit_rows, first = np.unique(rows[:kept], return_index=True)
        found = zip(self.ids[hit_rows].tolist(), distances[first].tolist(), strict=True)
        return _nearest_first(found)

    def _scan(self, query: np.ndarray, radius: int) -> list[tuple[int, int]]:
        """Every hash compared, compiled: what a radius too wide to probe for costs least."""
        query_words = np.ascontiguousarray(query, dtype=np.uint8).view(np.uint64)
        words, room = self._flat_words, 64
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
        masks = _flip_masks(flips)
        rows = np.empty(_candidate_count(self._offsets, chunk_values, masks), dtype=np.int64)
        _gather_candidates(self._order, self._offsets, chunk_values, masks, rows)
        return rows

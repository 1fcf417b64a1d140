"""Exact PDQ radius search in Hamming space.

``PdqIndex`` is a multi-index hash (Norouzi et al.): the 256 bits are cut into m chunks of b
bits. If two hashes are within distance r, at least one chunk differs in at most r // m bits
(pigeonhole; bits left over when b does not divide 256 only lower the chunks' sum), so probing
every chunk value within that many bit flips finds every true neighbour. Candidates are then
verified at full length. Both steps are compiled loops that ask the memory for what they will
read a few steps ahead (software prefetch): the tables' entries and the candidates' hashes lie
at random places, and waiting for each in turn halved the speed.

The chunk length follows the set's size (``chunk_bits_for``): 16 chunks of 16 bits up to about
2.5 M hashes, 11 of 23 bits at 10 M, where a radius-31 query then probes 3,000 table entries
and checks 3,600 candidates instead of probing 272 and checking 41,500. Where probing would cost
more than comparing every hash (a small set, or a wide radius) the index compares every hash,
in one compiled pass. Either way the result is exactly what brute force returns, which
``brute_force_radius`` stays in the code to prove (tests/matching).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from math import comb
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
HASH_BITS = 256
SMALL_CHUNK_BITS = 16  # 16 chunks of 16 bits: small sets, and every index saved before 2026-12
LARGEST_CHUNK_BITS = 23  # 2^23 offsets a chunk (32 MB each), for sets of 10^7 and more
DESIGN_RADIUS = 31  # the radius a set's layout is chosen for (ThreatExchange's, the default)
# What one step of a query costs, in ns, measured at 10 M hashes on the development machine
# (2 cores): looking up one probe's run in the tables (two passes, each a cache miss ahead of
# time), checking one candidate's hash, comparing one hash in the full scan (10.5 ms at 10 M).
# They choose the layout and whether to probe; they never change a result. The model's time
# of a probed query came within 40% of the measured at 10 M, 16- and 23-bit chunks, radius
# 31-63 (docs/performance.md).
PROBE_NS = 40.0
CANDIDATE_NS = 11.5
SCAN_NS = 1.05
# How many steps ahead the loops ask the memory for what they will read: each read is a cache
# miss at a random place, and the CPU keeps about ten in flight. Checking candidates at 10 M
# hashes (41,500 a query) measured 720 q/s with none, 1,190 at 8, 1,480 at 16, 1,700 at 24.
PREFETCH_AHEAD = 24
PROBE_AHEAD = 16


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
def _distance(words: np.ndarray, row: int, q0: int, q1: int, q2: int, q3: int) -> int:
    """Hamming distance from the query (its four words) to hash `row` of the flat words."""
    at = 4 * row
    return int(
        _popcount(words[at] ^ q0)
        + _popcount(words[at + 1] ^ q1)
        + _popcount(words[at + 2] ^ q2)
        + _popcount(words[at + 3] ^ q3)
    )


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
        distance = _distance(words, row, q0, q1, q2, q3)
        if distance <= radius:
            if found < rows.shape[0]:
                rows[found] = row
                distances[found] = distance
            found += 1
    return found


@compiled
def _probe_runs(
    offsets: np.ndarray,
    chunk_values: np.ndarray,
    masks: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    size: int,
) -> int:
    """Where each probe's run of rows lies in its chunk's `order` (probe k: chunk k // masks,
    the chunk's value flipped by mask k % masks); returns how many rows they name in all. The
    loops below read without bounds checks, so a run outside the table (damaged offsets) is
    refused here."""
    per_chunk = masks.shape[0]
    probes = starts.shape[0]
    total = 0
    for k in range(probes):
        ahead = k + PROBE_AHEAD
        if ahead < probes:
            chunk = ahead // per_chunk
            _prefetch(offsets[chunk], chunk_values[chunk] ^ masks[ahead % per_chunk])
        chunk = k // per_chunk
        value = chunk_values[chunk] ^ masks[k % per_chunk]
        starts[k] = offsets[chunk, value]
        ends[k] = offsets[chunk, value + 1]
        if starts[k] < 0 or ends[k] < starts[k] or ends[k] > size:
            raise ValueError("PDQ index tables damaged: an offset out of order")
        total += ends[k] - starts[k]
    return total


@compiled
def _gather_runs(
    order: np.ndarray, starts: np.ndarray, ends: np.ndarray, per_chunk: int, rows: np.ndarray
) -> None:
    """The rows of every probe's run, into `rows` (sized by _probe_runs; may repeat a row)."""
    probes = starts.shape[0]
    at = 0
    for k in range(probes):
        ahead = k + PROBE_AHEAD
        if ahead < probes and starts[ahead] < ends[ahead]:
            _prefetch(order[ahead // per_chunk], starts[ahead])
        chunk_order = order[k // per_chunk]
        for position in range(starts[k], ends[k]):
            rows[at] = chunk_order[position]
            at += 1


@compiled
def _count_keys(keys: np.ndarray, offsets: np.ndarray) -> None:
    """How many rows have each key, at the place after the key's (a running sum of `offsets`
    then gives where each key's run starts)."""
    for row in range(keys.shape[0]):
        offsets[keys[row] + 1] += 1


@compiled
def _counting_sort(keys: np.ndarray, offsets: np.ndarray, order: np.ndarray) -> None:
    """Row numbers in order of their key, rows of one key in row order (stable): each key's
    run starts where `offsets` says."""
    next_place = offsets[:-1].copy()
    for row in range(keys.shape[0]):
        key = keys[row]
        order[next_place[key]] = row
        next_place[key] += 1


@compiled
def _keep_within(
    words: np.ndarray, query: np.ndarray, radius: int, rows: np.ndarray, distances: np.ndarray
) -> int:
    """Keep, at the front of rows (distances beside them), the candidates within radius of the
    query; returns how many. The hash PREFETCH_AHEAD candidates on is asked for while this one
    is compared, so the cache misses overlap instead of queueing one by one."""
    q0, q1, q2, q3 = query[0], query[1], query[2], query[3]
    count, hashes = rows.shape[0], words.shape[0] // 4
    kept = 0
    for k in range(count):
        if k + PREFETCH_AHEAD < count:
            _prefetch(words, 4 * rows[k + PREFETCH_AHEAD])
        row = rows[k]
        if row < 0 or row >= hashes:
            raise ValueError("PDQ index tables damaged: a row number out of range")
        distance = _distance(words, row, q0, q1, q2, q3)
        if distance <= radius:
            rows[kept] = row  # kept <= k: this candidate has been read already
            distances[kept] = distance
            kept += 1
    return kept


@cache
def _flip_masks(bits: int, max_flips: int) -> np.ndarray:
    masks = [0]
    for flips in range(1, max_flips + 1):
        for flipped in combinations(range(bits), flips):
            masks.append(sum(1 << b for b in flipped))
    return np.array(masks, dtype=np.int64)


def chunks_of(bits: int) -> int:
    return HASH_BITS // bits


def probe_count(bits: int, radius: int) -> int:
    """How many table entries a query at this radius probes with chunks of this length."""
    flips = radius // chunks_of(bits)
    return chunks_of(bits) * sum(comb(bits, i) for i in range(min(flips, bits) + 1))


def probe_cost_ns(count: int, bits: int, radius: int) -> float:
    """The expected time of a probed query: the probes, and the candidates they name (each
    probe names count / 2^bits rows on average)."""
    probes = probe_count(bits, radius)
    return probes * PROBE_NS + probes * count / (1 << bits) * CANDIDATE_NS


def probing_pays(count: int, bits: int, radius: int) -> bool:
    """Whether probing is expected to take less time than comparing every hash: at 10 M
    hashes, radius 31 to 47 probe and 55 and over do not; at radius 31 a set of under about
    20,000 hashes is compared whole."""
    if radius // chunks_of(bits) > bits:
        return False
    return probe_cost_ns(count, bits, radius) < SCAN_NS * count


def chunk_bits_for(count: int) -> int:
    """The chunk length that answers radius-31 queries soonest for a set of this size."""
    lengths = range(SMALL_CHUNK_BITS, LARGEST_CHUNK_BITS + 1)
    return min(lengths, key=lambda bits: (probe_cost_ns(count, bits, DESIGN_RADIUS), bits))


def chunk_keys(hashes: np.ndarray, bits: int, chunk: int) -> np.ndarray:
    """Each hash's value of one chunk: bits [chunk * bits, (chunk + 1) * bits) of the 256,
    the first bit the most significant of the first byte (16-bit chunks: big-endian pairs)."""
    keys = np.empty(len(hashes), dtype=np.uint32)
    _chunk_column(np.ascontiguousarray(hashes, dtype=np.uint8), chunk * bits, bits, keys)
    return keys


@compiled
def _chunk_column(hashes: np.ndarray, first: int, bits: int, keys: np.ndarray) -> None:
    """chunk_keys without temporaries: the chunk's bytes (at most 4 for 23 bits) read as one
    big-endian number, shifted and masked."""
    first_byte, last_byte = first // 8, (first + bits - 1) // 8
    shift = (last_byte + 1) * 8 - (first + bits)
    mask = (1 << bits) - 1
    for row in range(hashes.shape[0]):
        value = 0
        for byte in range(first_byte, last_byte + 1):
            value = (value << 8) | hashes[row, byte]
        keys[row] = (value >> shift) & mask


def query_chunk_values(query: bytes, bits: int) -> np.ndarray:
    """The query's value of every chunk (as chunk_keys, for one hash)."""
    value = int.from_bytes(query, "big")
    mask = (1 << bits) - 1
    shifts = [HASH_BITS - (chunk + 1) * bits for chunk in range(chunks_of(bits))]
    return np.array([(value >> shift) & mask for shift in shifts], dtype=np.int64)


@dataclass(frozen=True, slots=True)
class IndexTables:
    """What a built index consists of; saved beside a hash set so opening it is a memory map.
    The chunk length is what the tables' shapes say (tables saved with 16-bit chunks and int64
    offsets, as every index was before 2026-12, open as they are)."""

    hashes: np.ndarray  # (N, 32) uint8
    ids: np.ndarray  # (N,) int64
    order: np.ndarray  # (m, N) int32: row numbers sorted by each chunk's value
    offsets: np.ndarray  # (m, 2^b + 1) int32: where each chunk value starts in `order`

    def __post_init__(self) -> None:
        count = len(self.ids)
        values = self.offsets.shape[1] - 1 if self.offsets.ndim == 2 else 0
        bits = values.bit_length() - 1
        if (
            self.hashes.shape != (count, HASH_BYTES)
            or values < 2
            or values != 1 << bits
            or self.offsets.shape[0] != chunks_of(bits)
            or self.order.shape != (chunks_of(bits), count)
        ):
            raise ValueError(
                f"index tables do not fit together: hashes {self.hashes.shape}, ids ({count},),"
                f" order {self.order.shape}, offsets {self.offsets.shape}"
            )

    @property
    def chunk_bits(self) -> int:
        return int(self.offsets.shape[1] - 1).bit_length() - 1

    @classmethod
    def load(cls, paths: Iterable[tuple[str, str | Path]]) -> IndexTables:
        """Tables saved as .npy files, memory-mapped: (table name, path) for each field."""
        return cls(**{name: np.load(path, mmap_mode="r") for name, path in paths})

    @classmethod
    def build(
        cls, hashes: np.ndarray, ids: np.ndarray, chunk_bits: int | None = None
    ) -> IndexTables:
        """The tables for these hashes, with chunks of `chunk_bits` (by default what suits the
        set's size: chunk_bits_for)."""
        if hashes.ndim != 2 or hashes.shape[1] != HASH_BYTES or len(hashes) != len(ids):
            raise ValueError("hashes must be (N, 32) uint8 with one id per row")
        bits = chunk_bits_for(len(hashes)) if chunk_bits is None else chunk_bits
        if not SMALL_CHUNK_BITS <= bits <= LARGEST_CHUNK_BITS:
            raise ValueError(
                f"chunks of {bits} bits: from {SMALL_CHUNK_BITS} to {LARGEST_CHUNK_BITS}"
            )
        hashes = np.ascontiguousarray(hashes, dtype=np.uint8)
        order = np.empty((chunks_of(bits), len(hashes)), dtype=np.int32)
        offsets = np.zeros((chunks_of(bits), (1 << bits) + 1), dtype=np.int32)
        # One chunk at a time, so the temporaries are one column's: a counting sort, since the
        # offsets are counted anyway (10 M hashes: 11 chunks of 23 bits in 2.1-2.3 s).
        for chunk in range(chunks_of(bits)):
            keys = chunk_keys(hashes, bits, chunk)
            _count_keys(keys, offsets[chunk])
            np.cumsum(offsets[chunk], out=offsets[chunk])
            _counting_sort(keys, offsets[chunk], order[chunk])
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
        self.chunk_bits = tables.chunk_bits
        # plain arrays over the tables' memory (they may be memory maps, which numba does not
        # take); the hashes as uint64 words, 4 a hash
        self._words = np.asarray(np.ascontiguousarray(tables.hashes).view(np.uint64)).reshape(-1)
        self._order = np.asarray(tables.order)
        self._offsets = np.asarray(tables.offsets)

    def __len__(self) -> int:
        return len(self.ids)

    def query(
        self, query: np.ndarray | str, radius: int, *, probe: bool | None = None
    ) -> list[tuple[int, int]]:
        """Every (id, distance) within radius, sorted by distance then id. `probe` chooses the
        method (by default the quicker by the cost model; the tests hold both to brute force)."""
        if isinstance(query, str):
            query = np.frombuffer(bytes.fromhex(query), dtype=np.uint8)
        if len(self.ids) == 0 or radius < 0:
            return []
        query = np.ascontiguousarray(query, dtype=np.uint8)
        if probe is None:
            probe = self.probing_pays(radius)
        if not probe:
            return self._scan(query, radius)
        rows = self._candidates(query, radius // chunks_of(self.chunk_bits))
        distances = np.empty(len(rows), dtype=np.int64)
        kept = _keep_within(self._words, query.view(np.uint64), radius, rows, distances)
        # a row can be a candidate through several chunks: dedupe the few hits, not every candidate
        hit_rows, first = np.unique(rows[:kept], return_index=True)
        found = zip(self.ids[hit_rows].tolist(), distances[first].tolist(), strict=True)
        return _nearest_first(found)

    def probing_pays(self, radius: int) -> bool:
        return probing_pays(len(self.ids), self.chunk_bits, radius)

    def _scan(self, query: np.ndarray, radius: int) -> list[tuple[int, int]]:
        """Every hash compared, compiled: what a radius too wide to probe for costs least."""
        query_words = query.view(np.uint64)
        room = 64
        while True:  # a second pass only when more than `room` hashes are that near
            rows, distances = np.empty(room, dtype=np.int64), np.empty(room, dtype=np.int64)
            found = _scan_all(self._words, query_words, radius, rows, distances)
            if found <= room:
                break
            room = found
        hits = zip(self.ids[rows[:found]].tolist(), distances[:found].tolist(), strict=True)
        return _nearest_first(hits)

    def _candidates(self, query: np.ndarray, flips: int) -> np.ndarray:
        """Rows sharing a chunk value within `flips` bits of the query's (may repeat)."""
        chunk_values = query_chunk_values(query.tobytes(), self.chunk_bits)
        masks = _flip_masks(self.chunk_bits, flips)
        starts = np.empty(len(chunk_values) * len(masks), dtype=np.int64)
        ends = np.empty_like(starts)
        total = _probe_runs(self._offsets, chunk_values, masks, starts, ends, len(self.ids))
        rows = np.empty(total, dtype=np.int64)
        _gather_runs(self._order, starts, ends, len(masks), rows)
        return rows

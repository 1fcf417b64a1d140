"""PDQ radius-search throughput: the multi-index against FAISS, pytx and brute force, side by side.

    .venv/bin/python benchmarks/bench_matching.py [--records 1000000] [--queries 2000]
        [--anchors faiss,pytx] [--anchor-queries 200]

The anchors (FAISS `IndexBinaryFlat`, python-threatexchange's `PDQIndex`) come from the `.[bench]`
extra and run on one thread, as footprint does; `--anchors ''` leaves them out. Every query FAISS
answers is compared with footprint's answer: the results must be equal. Memory: the index's own
(its tables, and the most it held at once while building, by tracemalloc), against the raw
32 bytes a hash.

Data: random hashes plus clusters of near-duplicates (the realistic hard case); half of the
queries are near-duplicates of stored hashes, half are random (the usual case in triage: most
files are not known).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from typing import Any

import numpy as np

from _common import Comparison, peak_rss_mib, report
from footprint.signals.pdq_index import PdqIndex, brute_force_radius


def make_hashes(records: int, rng: np.random.Generator) -> np.ndarray:
    hashes = rng.integers(0, 256, (records, 32), dtype=np.uint8)
    clustered = records // 10  # 10% are near-duplicates of 1% of the set
    centres = hashes[rng.integers(0, records, clustered)]
    noise = np.packbits(rng.random((clustered, 256)) < 0.04, axis=1)  # ~10 bits flipped
    hashes[rng.integers(0, records, clustered)] = centres ^ noise
    return hashes


def make_queries(hashes: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    near = hashes[rng.integers(0, len(hashes), count // 2)]
    near = near ^ np.packbits(rng.random((len(near), 256)) < 0.06, axis=1)  # ~15 bits
    far = rng.integers(0, 256, (count - len(near), 32), dtype=np.uint8)
    return np.concatenate([near, far])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--brute-queries", type=int, default=100)
    parser.add_argument("--anchor-queries", type=int, default=200)
    parser.add_argument("--anchors", default="faiss,pytx")
    parser.add_argument("--radius", type=int, default=31)
    args = parser.parse_args()
    rng = np.random.default_rng(20261129)
    hashes = make_hashes(args.records, rng)
    ids = np.arange(args.records, dtype=np.int64)
    queries = make_queries(hashes, args.queries, rng)

    tracemalloc.start()  # after the hashes exist: what the index adds to them
    started = time.perf_counter()
    index = PdqIndex(hashes, ids)
    build_s = time.perf_counter() - started
    _, build_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    tables = index.tables
    table_bytes = sum(a.nbytes for a in (tables.ids, tables.order, tables.offsets))

    started = time.perf_counter()
    answers = [index.query(q, args.radius) for q in queries]
    index_qps = len(queries) / (time.perf_counter() - started)

    sample = queries[:: max(1, len(queries) // args.brute_queries)][: args.brute_queries]
    started = time.perf_counter()
    for q in sample:
        brute_force_radius(hashes, ids, q, args.radius)
    brute_qps = len(sample) / (time.perf_counter() - started)
    agree = all(
        index.query(q, args.radius) == brute_force_radius(hashes, ids, q, args.radius)
        for q in sample[:20]
    )

    raw_mb = hashes.nbytes / 1e6
    figures: dict[str, Any] = {
        "records": args.records,
        "radius": args.radius,
        "queries": len(queries),
        "hits": sum(len(a) for a in answers),
        "index_build_seconds": round(build_s, 2),
        "index_queries_per_second": round(index_qps, 1),
        "brute_force_queries_per_second": round(brute_qps, 1),
        "speedup_vs_brute_force": round(index_qps / brute_qps, 1),
        "index_equals_brute_force_on_sample": agree,
        "raw_hashes_mb": round(raw_mb),
        "index_tables_mb_beyond_hashes": round(table_bytes / 1e6),
        "index_build_peak_mb_beyond_hashes": round(build_peak / 1e6),
    }
    anchors = [name for name in args.anchors.split(",") if name]
    anchor_queries = queries[:: max(1, len(queries) // args.anchor_queries)]
    anchor_answers = [
        answers[i] for i in range(0, len(queries), max(1, len(queries) // args.anchor_queries))
    ]
    rows = []
    if "faiss" in anchors:
        faiss_qps, equal = faiss_flat(hashes, anchor_queries, anchor_answers, args.radius)
        figures["faiss_flat_queries_per_second"] = round(faiss_qps, 1)
        figures["equal_to_faiss_flat_on_every_query"] = equal
        rows.append(search_row(args, "FAISS IndexBinaryFlat", faiss_qps, index_qps, 50, equal))
    if "pytx" in anchors:
        pytx_build_s, pytx_qps = pytx_index(hashes, anchor_queries, args.radius)
        figures["pytx_build_seconds"] = round(pytx_build_s, 1)
        figures["pytx_queries_per_second"] = round(pytx_qps, 1)
        rows.append(search_row(args, "pytx PDQIndex", pytx_qps, index_qps, 15, None))
    peak_mb = raw_mb + max(build_peak, table_bytes) / 1e6
    rows += [
        Comparison(
            f"PDQ index build, {args.records:,} hashes",
            "target",
            "30 s",
            f"{build_s:.1f} s",
            round(30 / build_s, 2),
            "<= 30 s",
            build_s <= 30,
        ),
        Comparison(
            f"PDQ index memory, {args.records:,} hashes",
            "raw hashes (32 bytes each)",
            f"{raw_mb:.0f} MB",
            f"{peak_mb:.0f} MB at peak",
            round(raw_mb / peak_mb, 2),
            "peak <= 2x raw (>= 0.5x)",
            peak_mb <= 2 * raw_mb,
        ),
    ]
    figures["peak_rss_mib"] = round(peak_rss_mib(), 1)
    report(f"matching-{args.records}", figures, rows)


def search_row(
    args: argparse.Namespace,
    anchor: str,
    anchor_qps: float,
    qps: float,
    target: int,
    equal: bool | None,
) -> Comparison:
    ratio = qps / anchor_qps
    met = ratio >= target and equal is not False
    return Comparison(
        f"radius-{args.radius} search, {args.records:,} hashes (10% clustered), one thread",
        anchor,
        f"{anchor_qps:.1f} q/s",
        f"{qps:.0f} q/s" + ("" if equal is not False else " (results DIFFER)"),
        round(ratio, 1),
        f">= {target}x" + (", results equal on every query" if equal is not None else ""),
        met,
    )


def faiss_flat(
    hashes: np.ndarray, queries: np.ndarray, answers: list[list[tuple[int, int]]], radius: int
) -> tuple[float, bool]:
    """FAISS's exhaustive binary index on one thread, and whether it agrees on every query."""
    import faiss

    faiss.omp_set_num_threads(1)
    flat = faiss.IndexBinaryFlat(256)
    flat.add(hashes)
    started = time.perf_counter()
    # one query at a time, as a scan asks (a batch lets FAISS share one pass over the hashes)
    found = [flat.range_search(q[None, :], radius + 1) for q in queries]  # FAISS: distance <
    qps = len(queries) / (time.perf_counter() - started)
    equal = all(
        sorted(zip(rows.tolist(), distances.tolist(), strict=True), key=lambda h: (h[1], h[0]))
        == answer
        for (_, distances, rows), answer in zip(found, answers, strict=True)
    )
    return qps, equal


def pytx_index(hashes: np.ndarray, queries: np.ndarray, radius: int) -> tuple[float, float]:
    """python-threatexchange's PDQIndex (a FAISS multi-hash index), its threshold set to ours."""
    import faiss
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    faiss.omp_set_num_threads(1)

    class RadiusIndex(PDQIndex):  # type: ignore[misc]
        @classmethod
        def get_match_threshold(cls) -> int:
            return radius

    started = time.perf_counter()
    index = RadiusIndex((row.tobytes().hex(), n) for n, row in enumerate(hashes))
    build_s = time.perf_counter() - started
    hex_queries = [q.tobytes().hex() for q in queries]
    started = time.perf_counter()
    for query in hex_queries:
        index.query(query)
    return build_s, len(queries) / (time.perf_counter() - started)


if __name__ == "__main__":
    main()

"""PDQ radius-search throughput: the multi-index against the brute-force anchor, side by side.

    .venv/bin/python benchmarks/bench_matching.py [--records 1000000] [--queries 2000]

Data: random hashes plus clusters of near-duplicates (the realistic hard case); half of the
queries are near-duplicates of stored hashes, half are random (the usual case in triage: most
files are not known).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from _common import peak_rss_mib, report
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
    parser.add_argument("--radius", type=int, default=31)
    args = parser.parse_args()
    rng = np.random.default_rng(20261129)
    hashes = make_hashes(args.records, rng)
    ids = np.arange(args.records, dtype=np.int64)
    queries = make_queries(hashes, args.queries, rng)

    started = time.perf_counter()
    index = PdqIndex(hashes, ids)
    build_s = time.perf_counter() - started

    started = time.perf_counter()
    hits = sum(len(index.query(q, args.radius)) for q in queries)
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

    figures = {
        "records": args.records,
        "radius": args.radius,
        "queries": len(queries),
        "hits": hits,
        "index_build_seconds": round(build_s, 2),
        "index_queries_per_second": round(index_qps, 1),
        "brute_force_queries_per_second": round(brute_qps, 1),
        "speedup_vs_brute_force": round(index_qps / brute_qps, 1),
        "index_equals_brute_force_on_sample": agree,
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }
    report(f"matching-{args.records}", figures)


if __name__ == "__main__":
    main()

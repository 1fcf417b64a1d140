"""MD5 + SHA-1 + SHA-256 of one large file, side by side in one run (issue 19's digest row):

    .venv/bin/python benchmarks/bench_digests.py [--size-mb 1024] [--rounds 3]

- anchor: a plain one-read loop, 1 MiB reads, the three digests updated one after another on
  one thread (what a script of one's own does);
- each digest alone, the same loop (the slowest of them bounds any single pass);
- footprint's `digest_file`: the three on threads of their own, the next read overlapped.

The file (random bytes) is read once first so that every side reads it from the page cache.
Sides alternate each round; the median is kept. Wall time and this process's CPU time are both
reported. Target: >= 1.5x the anchor using both cores, and >= 0.8x the slowest digest alone.
Writes benchmarks/results/digests.json.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import Comparison, report
from footprint.signals import digest_file

MIB = 1 << 20


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def one_read_loop(path: Path, names: tuple[str, ...]) -> None:
    digests = [hashlib.new(name) for name in names]
    with path.open("rb") as stream:
        while chunk := stream.read(MIB):
            for digest in digests:
                digest.update(chunk)


def timed(work: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process)."""
    wall, cpu = time.perf_counter(), _cpu()
    work()
    return time.perf_counter() - wall, _cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    sides: dict[str, Callable[[Path], object]] = {
        "anchor: md5+sha1+sha256, one loop": lambda p: one_read_loop(p, ("md5", "sha1", "sha256")),
        "md5 alone": lambda p: one_read_loop(p, ("md5",)),
        "sha1 alone": lambda p: one_read_loop(p, ("sha1",)),
        "sha256 alone": lambda p: one_read_loop(p, ("sha256",)),
        "footprint digest_file": digest_file,
    }
    with tempfile.TemporaryDirectory(prefix="fp-bench-digests-") as tmp:
        path = Path(tmp) / "evidence.bin"
        with path.open("wb") as out:
            for _ in range(args.size_mb):
                out.write(os.urandom(MIB))
        one_read_loop(path, ())  # into the page cache
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
        for _ in range(args.rounds):
            for name, side in sides.items():
                runs[name].append(timed(lambda side=side: side(path)))  # type: ignore[misc]
    mb = args.size_mb * MIB / 1e6
    rate = {name: mb / statistics.median(w for w, _ in r) for name, r in runs.items()}
    anchor = rate["anchor: md5+sha1+sha256, one loop"]
    slowest = min(rate["md5 alone"], rate["sha1 alone"], rate["sha256 alone"])
    ours = rate["footprint digest_file"]
    report(
        "digests",
        {
            "size_mb": args.size_mb,
            "cores": os.cpu_count(),
            "load_before": load_before,
            "mb_per_second": {name: round(value, 1) for name, value in rate.items()},
            "cpu_seconds_median": {
                name: round(statistics.median(c for _, c in r), 2) for name, r in runs.items()
            },
            "ratio_vs_anchor": round(ours / anchor, 2),
            "ratio_vs_slowest_single_digest": round(ours / slowest, 2),
            "target": ">= 1.5x the anchor and >= 0.8x the slowest single digest",
            "met": ours / anchor >= 1.5 and ours / slowest >= 0.8,
        },
        [
            Comparison(
                f"MD5+SHA-1+SHA-256 of {args.size_mb:,} MiB",
                "plain one-read loop",
                f"{anchor:.0f} MB/s",
                f"{ours:.0f} MB/s",
                round(ours / anchor, 2),
                ">= 1.5x",
                ours / anchor >= 1.5,
            ),
            Comparison(
                f"MD5+SHA-1+SHA-256 of {args.size_mb:,} MiB",
                "slowest single digest alone",
                f"{slowest:.0f} MB/s",
                f"{ours:.0f} MB/s",
                round(ours / slowest, 2),
                ">= 0.8x",
                ours / slowest >= 0.8,
            ),
        ],
    )


if __name__ == "__main__":
    main()

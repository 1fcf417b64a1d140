"""Hashing throughput per decode path, side by side in one run (anchor: the exact path).

    .venv/bin/python benchmarks/bench_hashing.py [--images 200] [--workers 2]

Part 1 hashes an in-memory corpus of varied generated images in this process, once per decode
path, so decode + PDQ cost is all that is timed. Part 2 runs the whole scan pipeline (read,
three digests, sniff, PDQ, match, write findings) over the same images written to a folder.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from pathlib import Path

from _common import peak_rss_mib, report
from footprint.hashsets import KnownHashStore, SetKind
from footprint.signals import DecodePath, SignalError, digest_bytes, hash_image
from footprint.synthetic.images import varied_image
from footprint.triage.service import ScanRequest, scan
from footprint.triage.signals_job import SignalOptions


def hash_all(corpus: list[bytes], decode: DecodePath) -> float:
    started = time.perf_counter()
    for data in corpus:
        with contextlib.suppress(SignalError):  # bad images cost what they cost in a scan
            hash_image(data, decode=decode)
    return time.perf_counter() - started


def scan_folder(folder: Path, workers: int, decode: DecodePath, work: Path) -> float:
    store = KnownHashStore(work / "hs.sqlite")
    store.ensure_set("empty", SetKind.KNOWN)
    out = work / f"scan-{decode}-{workers}"
    started = time.perf_counter()
    scan(store, ScanRequest([folder], ["empty"], out, SignalOptions(decode=decode), workers))
    store.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    corpus = [varied_image(seed) for seed in range(args.images)]
    total_mb = sum(len(data) for _, data in corpus) / 1e6
    images = [data for _, data in corpus]
    figures: dict[str, object] = {"images": len(images), "corpus_mb": round(total_mb, 1)}

    started = time.perf_counter()
    for data in images:
        digest_bytes(data)
    figures["digests_mb_per_second"] = round(total_mb / (time.perf_counter() - started), 1)

    exact = hash_all(images, DecodePath.EXACT)
    fast = hash_all(images, DecodePath.FAST)
    figures["exact_images_per_second"] = round(len(images) / exact, 2)
    figures["fast_images_per_second"] = round(len(images) / fast, 2)
    figures["fast_vs_exact"] = round(exact / fast, 2)

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = work / "evidence"
        folder.mkdir()
        for name, data in corpus:
            (folder / name).write_bytes(data)
        for decode in (DecodePath.EXACT, DecodePath.FAST):
            for workers in sorted({1, args.workers}):
                seconds = scan_folder(folder, workers, decode, work)
                figures[f"scan_{decode}_{workers}_workers_files_per_second"] = round(
                    len(images) / seconds, 2
                )
    figures["peak_rss_mib"] = round(peak_rss_mib(), 1)
    report("hashing", figures)


if __name__ == "__main__":
    main()

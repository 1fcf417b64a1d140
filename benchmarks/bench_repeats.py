"""A seized device that holds each picture several times (copies, backups, caches): the same
scan with each copy decoded and hashed again (the anchor) and with each content worked out once
per worker (footprint's default), two workers each, alternated, medians kept.

    .venv/bin/python benchmarks/bench_repeats.py [--distinct 300] [--copies 3] [--workers 2]

The files are those of bench_scan.py's mixed folder (70% images, 0.3-12 MP; the rest other
files), each written once and linked into `--copies` folders. Both scans must give every file the
same signals and errors.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import Comparison, report
from bench_scan import corpus_file
from footprint.hashsets import KnownHashStore, SetKind
from footprint.triage.service import ScanRequest, scan
from footprint.triage.signals_job import SignalOptions


def make_device(folder: Path, distinct: int, copies: int) -> int:
    """Each file in copy0/ and linked into copy1/ ... (a hard link reads as a copy does)."""
    for copy in range(copies):
        (folder / f"copy{copy}").mkdir(parents=True)
    size = 0
    for seed in range(distinct):
        name, data = corpus_file(seed)
        first = folder / "copy0" / name
        first.write_bytes(data)
        size += len(data) * copies
        for copy in range(1, copies):
            os.link(first, folder / f"copy{copy}" / name)
    return size


def signals_by_path(out: Path, root: Path) -> dict[str, Any]:
    found = {}
    with (out / "findings.jsonl").open() as lines:
        for line in lines:
            finding = json.loads(line)
            place = str(Path(finding["path"]).relative_to(root))
            found[place] = (finding["signals"], finding["error"])
    return found


def timed_scan(work: Path, device: Path, name: str, workers: int, reuse: bool) -> float:
    store = KnownHashStore(work / "hs.sqlite")
    store.ensure_set("empty", SetKind.KNOWN)
    options = SignalOptions(reuse_contents=reuse)
    started = time.perf_counter()
    scan(store, ScanRequest([device], ["empty"], work / name, options, workers))
    seconds = time.perf_counter() - started
    store.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--distinct", type=int, default=300)
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fp-bench-repeats-") as tmp:
        work, device = Path(tmp), Path(tmp) / "device"
        size = make_device(device, args.distinct, args.copies)
        every, once = [], []
        for run in range(2):  # alternated, so load on the machine falls on both
            every.append(timed_scan(work, device, f"every-{run}", args.workers, reuse=False))
            once.append(timed_scan(work, device, f"once-{run}", args.workers, reuse=True))
        same = signals_by_path(work / "every-0", device) == signals_by_path(work / "once-0", device)
    files = args.distinct * args.copies
    anchor, ours = statistics.median(every), statistics.median(once)
    figures = {
        "files": files,
        "distinct_contents": args.distinct,
        "copies_of_each": args.copies,
        "mb": round(size / 1e6),
        "workers": args.workers,
        "every_copy_seconds": [round(s, 2) for s in every],
        "once_per_content_seconds": [round(s, 2) for s in once],
        "every_copy_files_per_second": round(files / anchor, 1),
        "once_per_content_files_per_second": round(files / ours, 1),
        "same_signals_and_errors": same,
    }
    row = Comparison(
        f"scan, {files:,} files: {args.distinct} contents x {args.copies} copies, "
        f"{args.workers} workers",
        "the same scan decoding every copy",
        f"{files / anchor:.1f} files/s",
        f"{files / ours:.1f} files/s",
        round(anchor / ours, 2),
        "none set; same signals for every file",
        None if same else False,
    )
    report("repeats", figures, [row])
    if not same:
        raise SystemExit("the two scans gave some file different signals or errors")


if __name__ == "__main__":
    main()

"""Does a fast-path scan find every PDQ match an exact-path scan finds, and what does the
safeguard cost? Three scans of one generated corpus, side by side in one run: the exact path
(the anchor: what known sets are built with), the fast path without its safeguard (how it used
to lose matches) and the fast path as shipped.

    .venv/bin/python benchmarks/fast_path_safeguard.py [--ordinary 1900] [--drifting 100]
        [--workers 2] [--corpus /tmp/footprint-safeguard-corpus]

The corpus (kept between runs in --corpus): ordinary benign pictures of 0.5-8 MP as JPEG q90,
and 12 MP pictures with detail at the pixel scale (upscaled noise, fine stripes) as JPEG q100,
the kind that drifts. The known set holds a PDQ near the exact hash of every drifting picture
and of some ordinary ones, 0-31 bits from it on the side away from the fast hash, so every one
is a match on the exact path. Exits 1 unless the shipped fast scan's matches equal the exact
scan's, file for file.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import numpy as np

from _common import write_results
from footprint.hashsets import ImportOptions, KnownHashStore, import_file
from footprint.signals import DecodePath, hamming_distance, hash_image
from footprint.synthetic.images import benign_image, drifting_image, encode
from footprint.triage.service import ScanRequest, scan
from footprint.triage.signals_job import SignalOptions

ORDINARY_SIZES = [(1024, 768), (1600, 1200), (2048, 1536), (3264, 2448)]
KNOWN_ORDINARY_EVERY = 19  # one ordinary picture in this many is known too (of every size)


def _bits(hex_hash: str) -> np.ndarray:
    return np.unpackbits(np.frombuffer(bytes.fromhex(hex_hash), dtype=np.uint8))


def known_near(exact: str, fast: str, away: int) -> str:
    """`exact` with `away` bits flipped where the fast hash agrees with it."""
    bits, agree = _bits(exact), np.nonzero(_bits(exact) == _bits(fast))[0]
    bits[agree[:away]] ^= 1
    return np.packbits(bits).tobytes().hex()


def make_picture(job: tuple[Path, str, int]) -> str | None:
    """Write one corpus file; for a known one, return the known set's line for it."""
    folder, kind, seed = job
    path = folder / f"{kind}-{seed:05d}.jpg"
    if path.exists():  # made by an earlier run
        data = path.read_bytes()
    elif kind == "drift":
        data = encode(drifting_image(seed, (4000, 3000)), "JPEG", quality=100)
    else:
        size = ORDINARY_SIZES[seed % len(ORDINARY_SIZES)]
        data = encode(benign_image(seed, size), "JPEG", quality=90)
    path.write_bytes(data)
    if kind == "ordinary" and seed % KNOWN_ORDINARY_EVERY:
        return None
    exact = hash_image(data, decode=DecodePath.EXACT).pdq
    if not exact.matchable:
        return None
    unsafe = hash_image(data, decode=DecodePath.FAST, safeguard=False).pdq.hex
    away = random.Random(seed).randint(0, 31)
    return f"{known_near(exact.hex, unsafe, away)},{path.name}"


def build_corpus(folder: Path, ordinary: int, drifting: int, workers: int) -> Path:
    known = folder.parent / f"{folder.name}-known.txt"
    if known.exists():
        return known
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(folder, "ordinary", n) for n in range(ordinary)]
    jobs += [(folder, "drift", n) for n in range(drifting)]
    with Pool(workers) as pool:
        lines = [line for line in pool.imap(make_picture, jobs, chunksize=4) if line]
    known.write_text("\n".join(lines) + "\n")
    return known


def run_scan(
    store: KnownHashStore, corpus: Path, out: Path, options: SignalOptions, workers: int
) -> tuple[float, dict[str, dict[str, Any]]]:
    started = time.perf_counter()
    scan(store, ScanRequest([corpus], ["known"], out, options, workers))
    elapsed = time.perf_counter() - started
    findings = [json.loads(line) for line in (out / "findings.jsonl").read_text().splitlines()]
    return elapsed, {Path(f["path"]).name: f for f in findings}


def matches(finding: dict[str, Any]) -> list[tuple[str, str, int]]:
    return sorted((m["record_id"], m["kind"], m["distance"]) for m in finding["matches"])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ordinary", type=int, default=1900)
    parser.add_argument("--drifting", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/footprint-safeguard-corpus"))
    args = parser.parse_args()
    started = time.perf_counter()
    known = build_corpus(args.corpus, args.ordinary, args.drifting, args.workers)
    print(f"corpus ready in {time.perf_counter() - started:.0f} s: {args.corpus}")
    work = args.corpus.parent / f"{args.corpus.name}-runs"
    store = KnownHashStore(work / "hashsets.sqlite")
    if "known" not in store.versions():
        import_file(store, known, "known", ImportOptions())
    runs = {
        "exact": SignalOptions(decode=DecodePath.EXACT),
        "fast, no safeguard": SignalOptions(decode=DecodePath.FAST, safeguard=False),
        "fast (shipped)": SignalOptions(decode=DecodePath.FAST),
    }
    timed, found = {}, {}
    for label, options in runs.items():
        out = work / label.replace(" ", "-").replace(",", "").replace("(", "").replace(")", "")
        if out.exists():
            for item in out.iterdir():
                item.unlink()
            out.rmdir()
        timed[label], found[label] = run_scan(store, args.corpus, out, options, args.workers)
        print(f"{label}: {len(found[label])} files in {timed[label]:.1f} s")
    store.close()
    exact = found["exact"]
    figures: dict[str, Any] = {"files": len(exact), "known_hashes": known.read_text().count("\n")}
    figures["exact_matches"] = sum(len(matches(f)) for f in exact.values())
    for label in runs:
        differing = [n for n, f in exact.items() if matches(found[label][n]) != matches(f)]
        lost = sum(len(matches(f)) - len(matches(found[label][n])) for n, f in exact.items())
        paths: dict[str, int] = {}
        for f in found[label].values():
            path = f["signal_details"].get("pdq", {}).get("pdq_path")
            if path:
                paths[path] = paths.get(path, 0) + 1
        figures[label] = {
            "seconds": round(timed[label], 1),
            "files_per_second": round(len(exact) / timed[label], 2),
            "speed_vs_exact": round(timed["exact"] / timed[label], 2),
            "files_whose_matches_differ": len(differing),
            "matches_lost": lost,
            "pdq_paths": paths,
        }
    drift = [
        hamming_distance(found["fast, no safeguard"][n]["signals"]["pdq"], f["signals"]["pdq"])
        for n, f in exact.items()
        if "pdq" in f["signals"] and "pdq" in found["fast, no safeguard"][n]["signals"]
    ]
    figures["unsafe_drift_bits_max"] = max(drift, default=0)
    figures["unsafe_drift_over_31_bits"] = sum(1 for d in drift if d > 31)
    figures["safeguard_cost"] = round(timed["fast (shipped)"] / timed["fast, no safeguard"] - 1, 3)
    print(json.dumps(figures, indent=2))
    write_results("fast-path-safeguard", figures)
    return 0 if figures["fast (shipped)"]["files_whose_matches_differ"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Does the fast decode path stay within 10 bits of the exact path? (The rule that makes it the
default.) Checks the conformance set and a generated corpus of varied images.

    .venv/bin/python benchmarks/fast_path_agreement.py [--images 1000] [--workers 2]

Exits 1 if any image of quality >= 80 is more than 10 bits away.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from multiprocessing import Pool
from pathlib import Path

from _common import write_results
from footprint.signals import DecodePath, SignalError, hamming_distance, hash_image
from footprint.synthetic.images import varied_image

RULE_BITS = 10
RULE_QUALITY = 80
SHARED_PDQ = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "pdq"


def distance_for(data: bytes) -> tuple[int, int] | None:
    try:
        exact = hash_image(data, decode=DecodePath.EXACT).pdq
        fast = hash_image(data, decode=DecodePath.FAST).pdq
    except SignalError:
        return None
    return exact.quality, hamming_distance(exact.hex, fast.hex)


def corpus_item(seed: int) -> tuple[str, tuple[int, int] | None]:
    name, data = varied_image(seed)
    return name, distance_for(data)


def summarise(label: str, results: list[tuple[str, tuple[int, int] | None]]) -> dict[str, object]:
    graded = [(n, r[1]) for n, r in results if r is not None and r[0] >= RULE_QUALITY]
    histogram = Counter(d for _, d in graded)
    worst = max(graded, key=lambda item: item[1]) if graded else ("", 0)
    figures = {
        "images": len(results),
        "quality_at_least_80": len(graded),
        "max_distance": worst[1],
        "worst_image": worst[0],
        "over_10_bits": sum(1 for _, d in graded if d > RULE_BITS),
        "distance_histogram": {str(k): histogram[k] for k in sorted(histogram)},
    }
    print(f"{label}: {json.dumps(figures)}")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    expected = json.loads((SHARED_PDQ / "expected.json").read_text())
    conformance = [(n, distance_for((SHARED_PDQ / n).read_bytes())) for n in expected]
    with Pool(args.workers) as pool:
        corpus = pool.map(corpus_item, range(args.images), chunksize=4)
    figures = {
        "conformance": summarise("conformance", conformance),
        "generated": summarise("generated", corpus),
    }
    write_results("fast-path-agreement", figures)
    violations = sum(int(f["over_10_bits"]) for f in figures.values())  # type: ignore[call-overload]
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())

"""The inputs of a synthetic operation, written as a user would supply them: a benign "known"
hash set (MD5s of generated pictures), a referrals file (JSON Lines) and a postcode table."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

from footprint.hashsets import ImportOptions, KnownHashStore, import_file
from footprint.hashsets.model import KnownHash, UnifiedCategory
from footprint.hashsets.vics import write_vics
from footprint.signals import digest_bytes
from footprint.synthetic.images import benign_image, encode
from footprint.synthetic.referrals import postcode_table, synthetic_referrals

KNOWN_SET = "demo-known"
_CATEGORIES = (UnifiedCategory.A, UnifiedCategory.B, UnifiedCategory.C, UnifiedCategory.C)


def build_known_set(store: KnownHashStore, work: Path, images: int = 60) -> list[str]:
    """Import a known set made from benign generated pictures; returns its MD5s."""
    records = []
    for seed in range(images):
        data = encode(benign_image(10_000 + seed, size=(64, 48)), "PNG")
        digests = digest_bytes(data)
        records.append(
            KnownHash(
                record_id=f"demo-{seed}",
                signals={"md5": digests.md5, "sha1": digests.sha1},
                category=_CATEGORIES[seed % len(_CATEGORIES)],
            )
        )
    path = work / "demo-known.json"
    with path.open("w", encoding="utf-8") as out:
        write_vics(records, out)
    import_file(store, path, KNOWN_SET, ImportOptions())
    return [r.md5 for r in records if r.md5]


def write_referrals(
    path: Path, count: int, force_codes: Sequence[str], known_md5s: Sequence[str], seed: int
) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for doc in synthetic_referrals(count, force_codes, known_md5s, seed=seed):
            out.write(json.dumps(doc, separators=(",", ":")) + "\n")
    return path


def write_postcode_table(path: Path, force_codes: Sequence[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["postcode", "pfa"])
        writer.writerows(postcode_table(force_codes))
    return path

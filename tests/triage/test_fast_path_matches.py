"""A fast-path scan finds every PDQ match an exact-path scan finds. The known hashes sit 25 bits
from the evidence's exact hashes (a match at radius 31) and on the far side from the fast
hashes, so a fast path that trusted its own hash would put them 35-45 bits away: a miss."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from footprint.hashsets import ImportOptions, KnownHashStore, import_file
from footprint.signals import DecodePath, hash_image
from footprint.synthetic.images import drifting_image, encode
from footprint.triage.service import ScanRequest, scan
from footprint.triage.signals_job import SignalOptions
from tests.triage.test_scan import by_name, read_findings

AWAY = 25  # bits between a known hash and the evidence's exact hash


def _bits(hex_hash: str) -> np.ndarray:
    return np.unpackbits(np.frombuffer(bytes.fromhex(hex_hash), dtype=np.uint8))


def _known_near(exact: str, fast: str) -> str:
    """`exact` with AWAY bits flipped where the fast hash agrees with it: AWAY from the exact
    hash, and AWAY further from the fast one."""
    bits, agree = _bits(exact), np.nonzero(_bits(exact) == _bits(fast))[0]
    bits[agree[:AWAY]] ^= 1
    return np.packbits(bits).tobytes().hex()


def _naive_fast(data: bytes) -> str:
    """The fast path's own hash, without the safeguard (what the scan trusted before)."""
    return hash_image(data, decode=DecodePath.FAST, safeguard=False).pdq.hex


def test_drifting_and_near_images_match_on_the_fast_path(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    known_lines = []
    for seed in (2, 3, 5):  # fine stripes, then upscaled noise twice
        data = encode(drifting_image(seed, (2048, 1536)), "JPEG", quality=100)
        (evidence / f"d{seed}.jpg").write_bytes(data)
        exact_hash = hash_image(data, decode=DecodePath.EXACT).pdq.hex
        known_lines.append(f"{_known_near(exact_hash, _naive_fast(data))},d{seed}")
    pdq_list = tmp_path / "known.txt"
    pdq_list.write_text("\n".join(known_lines) + "\n")
    store = KnownHashStore(tmp_path / "hs.sqlite")
    assert import_file(store, pdq_list, "known", ImportOptions()).imported == 3
    findings: dict[DecodePath, dict[str, dict[str, Any]]] = {}
    for decode in (DecodePath.EXACT, DecodePath.FAST):
        out = tmp_path / str(decode)
        options = SignalOptions(decode=decode)
        scan(store, ScanRequest([evidence], ["known"], out, options, workers=1))
        findings[decode] = by_name(read_findings(out))
    store.close()
    for name, exact in findings[DecodePath.EXACT].items():
        fast = findings[DecodePath.FAST][name]
        assert [m["distance"] for m in exact["matches"]] == [AWAY], name
        assert fast["matches"] == exact["matches"], name
        assert fast["signals"]["pdq"] == exact["signals"]["pdq"]
        assert fast["signal_details"]["pdq"]["pdq_path"] in ("exact-drift", "exact-near")
    paths = {f["signal_details"]["pdq"]["pdq_path"] for f in findings[DecodePath.FAST].values()}
    assert paths == {"exact-drift", "exact-near"}

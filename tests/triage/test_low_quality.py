"""A PDQ below the matchable quality is kept in the finding and never looked up: a flat picture
whose hash a set happens to hold is not a match (ThreatExchange's rule; docs/formats.md)."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from footprint.hashsets import ImportOptions, KnownHashStore, import_file
from footprint.signals import hash_image
from footprint.signals.pdq import MIN_MATCH_QUALITY
from footprint.synthetic.images import benign_image, encode
from footprint.triage.service import ScanRequest, scan
from footprint.triage.signals_job import SignalOptions


def test_a_low_quality_pdq_is_kept_but_never_matched(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    flat = encode(Image.new("RGB", (256, 256), (128, 128, 128)), "PNG")
    busy = encode(benign_image(3, (256, 192)), "PNG")
    (evidence / "flat.png").write_bytes(flat)
    (evidence / "busy.png").write_bytes(busy)
    flat_pdq, busy_pdq = hash_image(flat).pdq, hash_image(busy).pdq
    assert flat_pdq.quality < MIN_MATCH_QUALITY <= busy_pdq.quality
    listed = tmp_path / "known.txt"
    listed.write_text(f"{flat_pdq.hex}\n{busy_pdq.hex}\n")
    store = KnownHashStore(tmp_path / "hashsets.sqlite")
    assert import_file(store, listed, "known", ImportOptions(scheme="pdq-list")).imported == 2
    out = tmp_path / "scan"
    scan(store, ScanRequest([evidence], ["known"], out, SignalOptions(), workers=1))
    store.close()
    found = {Path(f["path"]).name: f for f in map(json.loads, (out / "findings.jsonl").open())}
    assert found["flat.png"]["signals"]["pdq"] == flat_pdq.hex  # reported
    assert found["flat.png"]["signal_details"]["pdq"]["quality"] < MIN_MATCH_QUALITY
    assert found["flat.png"]["matches"] == []  # never matched
    assert [m["kind"] for m in found["busy.png"]["matches"]] == ["pdq"]

"""`footprint demo`: a whole triage on benign generated images, start to finish."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import typer

from footprint.cli.common import console, err_console
from footprint.hashsets import ImportOptions, KnownHashStore, import_file
from footprint.hashsets.model import KnownHash, UnifiedCategory
from footprint.hashsets.vics import write_vics
from footprint.signals import DecodePath, digest_bytes, hash_image
from footprint.synthetic.images import benign_image, edited_copies, encode
from footprint.triage.service import ScanRequest, scan
from footprint.triage.signals_job import SignalOptions

KNOWN_IMAGES = 12
OTHER_IMAGES = 8
DEMO_CATEGORIES = [UnifiedCategory.A, UnifiedCategory.B, UnifiedCategory.C]
UK_CODES = {UnifiedCategory.A: 1, UnifiedCategory.B: 2, UnifiedCategory.C: 3}


def _build_evidence(evidence: Path) -> list[KnownHash]:
    """Originals become the 'known' set; the device holds edited copies and unrelated images."""
    known = []
    for seed in range(KNOWN_IMAGES):
        original = encode(benign_image(seed), "JPEG", quality=92)
        category = DEMO_CATEGORIES[seed % 3]
        digests = digest_bytes(original)
        pdq = hash_image(original, decode=DecodePath.EXACT).pdq.hex
        known.append(
            KnownHash(
                record_id=str(1000 + seed),
                md5=digests.md5,
                sha1=digests.sha1,
                pdq=pdq,
                source_category=str(UK_CODES[category]),
                category=category,
            )
        )
        folder = evidence / f"set-{seed:02d}"
        folder.mkdir(parents=True)
        if seed % 4 == 0:
            (folder / "original-copy.jpg").write_bytes(original)
        for name, data in edited_copies(benign_image(seed)).items():
            (folder / name).write_bytes(data)
    unrelated = evidence / "holiday"
    unrelated.mkdir()
    for seed in range(100, 100 + OTHER_IMAGES):
        (unrelated / f"img_{seed}.jpg").write_bytes(encode(benign_image(seed), "JPEG"))
    (unrelated / "notes.txt").write_text("shopping list\n")
    (unrelated / "broken.jpg").write_bytes(encode(benign_image(999), "JPEG")[:900])
    (unrelated / "empty.png").write_bytes(b"")
    return known


def demo_command(
    workdir: Path = typer.Option(Path("var/demo"), help="Folder for the demo's files."),
) -> None:
    """Generate benign images, build a 'known' VICS set, scan edited copies, print the summary."""
    if workdir.exists():
        shutil.rmtree(workdir)
    evidence = workdir / "evidence"
    console.rule("1. generating benign images and edited copies")
    known = _build_evidence(evidence)
    vics_path = workdir / "known-demo.vics.json"
    with vics_path.open("w") as stream:
        write_vics(known, stream, country="UK")
    console.print(f"{len(known)} known images written as VICS 2.0 to {vics_path}")
    console.rule("2. importing the known set")
    store = KnownHashStore(workdir / "hashsets.sqlite")
    uk = {code: cat for cat, code in UK_CODES.items()}
    report = import_file(store, vics_path, "demo-known", ImportOptions(scheme="uk", uk_codes=uk))
    console.print(f"imported {report.imported}, skipped {len(report.skipped)}")
    console.rule("3. scanning the evidence")
    request = ScanRequest(
        [evidence], ["demo-known"], workdir / "scan", SignalOptions(), os.cpu_count() or 1
    )
    try:
        summary = scan(store, request)
    finally:
        store.close()
    console.print_json(json.dumps(summary))
    err_console.print(f"report: {workdir / 'scan' / 'report.html'}")

"""`footprint demo`: a whole triage on benign generated images, start to finish."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from footprint.cli.common import console, err_console, fail, settings
from footprint.cli.scan import PROGRESS_COLUMNS, progress_bar
from footprint.hashsets import ImportOptions, KnownHashStore, import_file
from footprint.hashsets.model import KnownHash, UnifiedCategory
from footprint.hashsets.vics import write_vics
from footprint.signals import DecodePath, digest_bytes, hash_image
from footprint.store import Database
from footprint.synthetic.demo_operation import (
    DEMO_OPERATION,
    DEMO_PASSWORD,
    DEMO_USERS,
    load_demo_operation,
)
from footprint.synthetic.images import benign_image, edited_copies, encode
from footprint.triage.export import export_scan
from footprint.triage.outputs import FINDINGS, iter_findings
from footprint.triage.service import ScanRequest, scan
from footprint.triage.signals_job import SignalOptions

KNOWN_IMAGES = 12
OTHER_IMAGES = 8
DEMO_CATEGORIES = [UnifiedCategory.A, UnifiedCategory.B, UnifiedCategory.C]
DEMO_MARKER = ".footprint-demo"
UK_CODES = {UnifiedCategory.A: 1, UnifiedCategory.B: 2, UnifiedCategory.C: 3}


def _build_evidence(evidence: Path) -> tuple[list[KnownHash], list[str]]:
    """Originals become the 'known' set; the device holds edited copies and unrelated images.
    Also returns the folders whose original is too flat for PDQ (quality < 50)."""
    known = []
    flat = []
    for seed in range(KNOWN_IMAGES):
        original = encode(benign_image(seed), "JPEG", quality=92)
        category = DEMO_CATEGORIES[seed % 3]
        digests = digest_bytes(original)
        pdq = hash_image(original, decode=DecodePath.EXACT).pdq
        if not pdq.matchable:
            flat.append(f"set-{seed:02d}")
        known.append(
            KnownHash(
                record_id=str(1000 + seed),
                signals={"md5": digests.md5, "sha1": digests.sha1, "pdq": pdq.hex},
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
    return known, flat


def demo_command(
    workdir: Path = typer.Option(Path("var/demo"), help="Folder for the demo's files."),
) -> None:
    """Generate benign images, build a 'known' VICS set, scan edited copies, print the summary."""
    _fresh_workdir(workdir)
    evidence = workdir / "evidence"
    console.rule("1. generating benign images and edited copies")
    known, flat = _build_evidence(evidence)
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
        with Progress(*PROGRESS_COLUMNS, console=err_console) as progress:
            summary = scan(store, request, progress_bar(progress))
    finally:
        store.close()
    console.print_json(json.dumps(summary))
    console.rule("4. which edits still match")
    console.print(_edits_table(workdir / "scan" / FINDINGS))
    if flat:
        console.print(
            f"Edits in {', '.join(flat)} cannot match by PDQ: the original's PDQ quality is below "
            "50, so its hash is reported but never used (flat images would match everything)."
        )
    console.rule("5. exported for a review tool")
    exported = workdir / "scan-vics-case.json"
    with exported.open("w", encoding="utf-8") as stream:
        counts = export_scan(workdir / "scan", stream, case_number="DEMO-1")
    console.print(
        f"{counts.records} distinct pictures ({counts.files} files) written as a VICS 2.0 case "
        f"to {exported}: what `footprint scan-export` writes for Griffeye and other VICS tools"
    )
    err_console.print(f"report: {workdir / 'scan' / 'report.html'}")


def _fresh_workdir(workdir: Path) -> None:
    """Start clean, but only ever delete a folder that an earlier demo made."""
    marker = workdir / DEMO_MARKER
    if workdir.exists():
        if not marker.exists():
            fail(f"{workdir} exists and was not made by the demo; choose another --workdir")
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    marker.write_text("made by `footprint demo`; deleted and rebuilt by the next demo run\n")


def _edits_table(findings_path: Path) -> Table:
    matched: Counter[str] = Counter()
    total: Counter[str] = Counter()
    distances: dict[str, list[int]] = {}
    for finding in iter_findings(findings_path):
        path = Path(finding["path"])
        if not path.parent.name.startswith("set-"):
            continue
        total[path.name] += 1
        pdq = [m["distance"] for m in finding["matches"] if m["kind"] == "pdq"]
        if finding["matches"]:
            matched[path.name] += 1
        distances.setdefault(path.name, []).extend(pdq)
    table = Table("copy on the device", "matched", "PDQ distance (median)")
    for name in sorted(total):
        found = sorted(distances[name])
        median = str(found[len(found) // 2]) if found else "-"
        table.add_row(name, f"{matched[name]} of {total[name]}", median)
    return table


def demo_data_command(
    referrals: int = typer.Option(2_000, "--referrals", help="How many synthetic referrals."),
    seed: int = typer.Option(2026, "--seed"),
) -> None:
    """Load a synthetic operation (benign, invented) into the configured database: referrals
    across the 45 forces, graded, resolved, allocated, packaged, and cases carried to outcomes."""
    config = settings()
    db = Database(config.database_url)
    store = KnownHashStore(config.hashset_store)
    tasks: list[TaskID] = []
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
        ) as progress:
            summary = load_demo_operation(
                db,
                store,
                config.var_dir / "demo-data",
                referrals,
                seed,
                on_step=lambda what, total: tasks.append(progress.add_task(what, total=total)),
                advance=lambda n: progress.advance(tasks[-1], n),
            )
    finally:
        store.close()
        db.dispose()
    if summary.already_loaded:
        console.print(f"{DEMO_OPERATION} is already loaded in {config.database_url}")
        return
    console.print(
        f"{DEMO_OPERATION}: {summary.referrals:,} referrals, {summary.subjects:,} subjects "
        f"allocated, {summary.packages:,} packages, {summary.cases:,} cases"
    )
    table = Table("case state", "cases")
    for state, count in sorted(summary.outcomes.items(), key=lambda item: -item[1]):
        table.add_row(state, f"{count:,}")
    console.print(table)
    shown = Table("to see", "where")
    for what, where in summary.examples.items():
        shown.add_row(what, where)
    console.print(shown)
    console.print(
        "demo users (CLI: FOOTPRINT_USER=<name>; web: password "
        f"{DEMO_PASSWORD!r}): " + ", ".join(name for name, _org, _roles in DEMO_USERS)
    )
    console.print(f"figures: footprint figures --operation '{DEMO_OPERATION}'")

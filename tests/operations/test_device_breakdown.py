"""A seized device's images per category as the prosecutor's file needs them: files and
distinct contents, still and moving images apart, and the deleted files; counted from the
device's files whose category stands, so a rejected match leaves the breakdown too, and equal
to the triage summary's own breakdown when the scan is linked."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from footprint.hashsets import KnownHashStore
from footprint.operations.case_file import case_file, case_file_html
from footprint.operations.graded_files import decide_match
from footprint.operations.outcome_record import Outcome, record_outcome
from footprint.operations.scan_files import recount_device
from footprint.security.actor import Actor
from footprint.security.roles import Role
from footprint.store import Database
from footprint.store.models import ScanFile, SeizedDevice
from footprint.triage.report import build_summary
from tests.conftest import fresh_database_url
from tests.operations.cases_setup import MET, investigator, open_cases
from tests.store.test_indexes import _migrate

DAY = date(2026, 11, 3)


def matched(
    path: str, md5: str, media_type: str, category: str, flags: list[str]
) -> dict[str, Any]:
    match = {"set": "known", "record_id": md5, "kind": "md5", "distance": 0}
    return {
        "path": path,
        "media_type": media_type,
        "signals": {"md5": md5},
        "matches": [match | {"category": category}],
        "flags": flags,
        "error": None,
    }


FINDINGS: list[dict[str, Any]] = [
    matched("/a.jpg", "a" * 32, "image/jpeg", "A", []),
    matched("/old/a.jpg", "a" * 32, "image/jpeg", "A", ["deleted"]),  # the same picture
    matched("/b.png", "b" * 32, "image/png", "A", []),
    matched("/v.mp4", "c" * 32, "video/mp4", "A", ["deleted"]),
    matched("/c.jpg", "d" * 32, "image/jpeg", "C", []),
]


def scan_with_duplicates(folder: Path) -> Path:
    scan = folder / "scan"
    scan.mkdir()
    (scan / "scan.json").write_text(json.dumps({"complete": True}))
    findings = scan / "findings.jsonl"
    findings.write_text("".join(json.dumps(f) + "\n" for f in FINDINGS))
    summary = build_summary(findings, [], 1.0, 0)
    (scan / "summary.json").write_text(json.dumps(summary))
    return scan


def linked_case(database: Database, tmp_path: Path) -> tuple[int, Path]:
    (case_id,) = open_cases(database, tmp_path, [MET])
    scan = scan_with_duplicates(tmp_path)
    outcome = Outcome(on=DAY, device="EX-7", description="laptop", scan=scan)
    record_outcome(database, investigator(MET), case_id, outcome)
    return case_id, scan


def test_the_device_breakdown_equals_the_scan_summary_and_reaches_the_case_file(
    database: Database, tmp_path: Path
) -> None:
    case_id, scan = linked_case(database, tmp_path)
    summary = json.loads((scan / "summary.json").read_text())
    with database.unit_of_work() as session:
        device = session.scalars(select(SeizedDevice)).one()
        breakdown = device.scan_breakdown or {}
        assert breakdown == summary["matched_by_category"]
        assert breakdown["A"] == {
            "files": 4,
            "distinct": 3,
            "still": {"files": 3, "distinct": 2},
            "moving": {"files": 1, "distinct": 1},
            "other": {"files": 0, "distinct": 0},
            "deleted_files": 2,
        }
    prepared = case_file(database, investigator(MET), case_id)
    (exhibit,) = prepared.exhibits
    assert set(exhibit["images_detail"]) == {"A", "B", "C"}
    assert exhibit["images_detail"]["A"]["moving"] == {"files": 1, "distinct": 1}
    assert exhibit["images_detail"]["C"]["distinct"] == 1
    html = case_file_html(prepared)
    assert "<td>EX-7</td><td>A</td><td>4</td><td>3</td><td>3 (2)</td><td>1 (1)</td>" in html


def test_a_rejected_match_leaves_the_breakdown(database: Database, tmp_path: Path) -> None:
    linked_case(database, tmp_path)
    store = KnownHashStore(tmp_path / "hs.sqlite")
    examiner = Actor("exam-met", MET, frozenset({Role.FORENSIC_EXAMINER}))
    with database.unit_of_work() as session:
        video = session.scalars(select(ScanFile).where(ScanFile.path == "/v.mp4")).one().id
    decide_match(database, store, examiner, f"scan:{video}", "rejected", "a cartoon")
    store.close()
    with database.unit_of_work() as session:
        a = (session.scalars(select(SeizedDevice)).one().scan_breakdown or {})["A"]
    assert (a["files"], a["distinct"], a["moving"]["files"], a["deleted_files"]) == (3, 2, 0, 1)


def test_files_linked_before_deletion_was_kept_say_it_is_not_known(
    database: Database, tmp_path: Path
) -> None:
    case_id, _ = linked_case(database, tmp_path)
    with database.unit_of_work() as session:
        device = session.scalars(select(SeizedDevice)).one()
        for row in session.scalars(select(ScanFile).where(ScanFile.path == "/c.jpg")):
            row.deleted = None  # as the migration leaves rows linked before it
        recount_device(session, device)
        breakdown = device.scan_breakdown or {}
        assert breakdown["C"]["deleted_files"] is None
        assert breakdown["A"]["deleted_files"] == 2
    html = case_file_html(case_file(database, investigator(MET), case_id))
    assert "not known" in html


def test_the_migration_counts_devices_linked_before_it(tmp_path: Path) -> None:
    with fresh_database_url(tmp_path) as url:
        db = Database(url)
        linked_case(db, tmp_path)
        _migrate(db, "0027", down=True)  # no breakdown, no deleted flags: as devices were
        _migrate(db, "head")
        with db.unit_of_work() as session:
            device = session.scalars(select(SeizedDevice)).one()
            breakdown = device.scan_breakdown or {}
            assert {r.deleted for r in session.scalars(select(ScanFile))} == {None}
        assert breakdown["A"] == {
            "files": 4,
            "distinct": 3,
            "still": {"files": 3, "distinct": 2},
            "moving": {"files": 1, "distinct": 1},
            "other": {"files": 0, "distinct": 0},
            "deleted_files": None,  # not kept when they were linked
        }
        assert breakdown["B"]["files"] == 0 and breakdown["B"]["deleted_files"] == 0
        db.dispose()

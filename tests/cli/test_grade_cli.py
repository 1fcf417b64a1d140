"""`footprint grade ...` acts as its user (FOOTPRINT_USER): a force's examiner lists and grades
its own device's files, another force's examiner is told they are not found, and a match is
rejected into the negative bank and undone."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from footprint.cli.main import app
from footprint.operations.device_scans import link_device_scan, record_device
from footprint.security.actor import Actor
from footprint.security.roles import Role
from footprint.store import Database
from footprint.store.models import ScanFile
from tests.operations.cases_setup import KENT, MET, finished_scan, open_cases

runner = CliRunner()


@pytest.fixture(autouse=True)
def settings_for_the_cli(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOOTPRINT_DATABASE_URL", database_url)
    monkeypatch.setenv("FOOTPRINT_HASHSET_STORE", str(tmp_path / "hashsets.sqlite"))


def _run(code: int, *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_grade_as_the_user_named(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (case_id,) = open_cases(database, tmp_path, [MET])
    examiner = Actor("setup", MET, frozenset({Role.FORENSIC_EXAMINER}))
    view = record_device(database, examiner, case_id, "EX-1", "laptop", date(2026, 11, 2))
    device_id = view.devices[0]["id"]
    link_device_scan(database, examiner, device_id, finished_scan(tmp_path, {"B": 2}))
    with database.unit_of_work() as session:
        matched = sorted(f"scan:{row.id}" for row in session.query(ScanFile))
        row = session.get_one(ScanFile, int(matched[0][5:]))
        row.grade_status = "queued"  # as if no set knew it
    _run(0, "users", "add", "metexam", "--org", MET, "--role", "forensic-examiner")
    _run(0, "users", "add", "kentexam", "--org", KENT, "--role", "forensic-examiner")
    monkeypatch.setenv("FOOTPRINT_USER", "kentexam")
    assert "0 file(s) in 0 group(s)" in _run(0, "grade", "queue")
    assert "not found" in _run(2, "grade", "vote", "A", matched[0])
    monkeypatch.setenv("FOOTPRINT_USER", "metexam")
    listed = _run(0, "grade", "queue")
    assert matched[0] in listed and "1 file(s) in 1 group(s)" in listed
    assert f"{matched[0]}: provisional A, 1 vote(s)" in _run(0, "grade", "vote", "A", matched[0])
    assert "reason" in _run(2, "grade", "reject", matched[1], "--reason", " ")
    said = _run(0, "grade", "reject", matched[1], "--reason", "a holiday photograph")
    assert f"{matched[1]}: queued" in said and "match rejected" in said
    assert f"{matched[1]}: matched B" in _run(0, "grade", "undo", matched[1])


def test_flag_and_export_new_material_as_the_user_named(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (case_id,) = open_cases(database, tmp_path, [MET])
    examiner = Actor("setup", MET, frozenset({Role.FORENSIC_EXAMINER}))
    view = record_device(database, examiner, case_id, "EX-1", "laptop", date(2026, 11, 2))
    link_device_scan(database, examiner, view.devices[0]["id"], finished_scan(tmp_path, {"B": 1}))
    with database.unit_of_work() as session:
        (row,) = session.query(ScanFile)
        file = f"scan:{row.id}"
        row.grade_status, row.category = "settled", "B"  # as if three examiners had agreed
    _run(0, "users", "add", "metexam", "--org", MET, "--role", "forensic-examiner")
    _run(0, "users", "add", "kentexam", "--org", KENT, "--role", "forensic-examiner")
    monkeypatch.setenv("FOOTPRINT_USER", "metexam")
    assert file in _run(0, "grade", "new-material")
    said = _run(
        0, "grade", "flag", file, "--series", "Harbour", "--victim-identified", "--reason", "r"
    )
    assert f"{file}: victim identified True, series 'Harbour', new material True (by rule)" in said
    assert "reason" in _run(2, "grade", "flag", file, "--series", "x", "--reason", " ")
    out = tmp_path / "new.json"
    assert "wrote 1 files of new material" in _run(0, "grade", "new-material", "--out", str(out))
    assert (
        '"Series": "Harbour"' in out.read_text() and not out.with_name("new.json.partial").exists()
    )
    monkeypatch.setenv("FOOTPRINT_USER", "kentexam")
    assert file not in _run(0, "grade", "new-material")
    assert "not found" in _run(2, "grade", "flag", file, "--series", "x", "--reason", "mine")
    monkeypatch.setenv("FOOTPRINT_USER", "metexam")
    said = _run(0, "grade", "flag", file, "--not-new-material", "--reason", "seen before")
    assert "new material False (by examiner)" in said and file not in _run(
        0, "grade", "new-material"
    )
    said = _run(0, "grade", "flag", file, "--new-material-by-rule", "--reason", "my mistake")
    assert "new material True (by rule)" in said

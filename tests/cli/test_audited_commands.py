"""Work done outside the operations database is audited in it as the person who did it: a
hash-set import (and so an ignore set's change) and a scan, its start and its end. A force's
examiner may not change the national sets from the CLI either."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from footprint.cli.main import app
from footprint.store import Database
from footprint.store.models import AuditEntry
from footprint.triage.service import ScanRequest, scan
from footprint.triage.signals_job import SignalOptions
from tests.hashsets.vics_samples import media, write_hashset
from tests.triage.evidence_fixtures import build_case, store_with_known

runner = CliRunner()


@pytest.fixture(autouse=True)
def setting(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOOTPRINT_HASHSET_STORE", str(tmp_path / "var" / "hashsets.sqlite"))
    monkeypatch.setenv("FOOTPRINT_DATABASE_URL", database_url)
    monkeypatch.delenv("FOOTPRINT_USER", raising=False)


def _entries(database_url: str, action: str) -> list[AuditEntry]:
    db = Database(database_url)
    with db.unit_of_work() as session:
        found = list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))
        session.expunge_all()
    db.dispose()
    return found


def test_imports_and_scans_are_audited_as_their_user(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    add = ["users", "add", "natanalyst", "--org", "NCA", "--role", "analyst"]
    assert runner.invoke(app, add).exit_code == 0
    add = ["users", "add", "metexam", "--org", "E23000001", "--role", "forensic-examiner"]
    assert runner.invoke(app, add).exit_code == 0
    source = write_hashset(tmp_path / "s.json", [media(1), media(2)])
    monkeypatch.setenv("FOOTPRINT_USER", "metexam")
    refused = runner.invoke(app, ["hashset", "import", str(source), "--set", "national"])
    assert refused.exit_code == 2 and "changing the national hash sets" in refused.output
    assert [e.actor for e in _entries(database_url, "access.refused")] == ["metexam"]
    monkeypatch.setenv("FOOTPRINT_USER", "natanalyst")
    done = runner.invoke(app, ["hashset", "import", str(source), "--set", "national", "--ignore"])
    assert done.exit_code == 0, done.output
    [imported] = _entries(database_url, "hashset.import")
    assert (imported.actor, imported.record_id) == ("natanalyst", "national")
    assert imported.detail["file"] == "s.json" and imported.detail["imported"] == 2

    monkeypatch.setenv("FOOTPRINT_USER", "metexam")
    out_file = tmp_path / "out.csv"
    export = ["hashset", "export", "national", "--format", "csv", "--out", str(out_file)]
    refused = runner.invoke(app, export)
    assert refused.exit_code == 2 and "exporting a hash set" in refused.output
    assert not out_file.exists() and not out_file.with_name("out.csv.partial").exists()
    monkeypatch.setenv("FOOTPRINT_USER", "natanalyst")
    assert runner.invoke(app, export).exit_code == 0
    [exported] = _entries(database_url, "hashset.export")
    assert (exported.actor, exported.record_id) == ("natanalyst", "national")
    assert exported.detail == {"format": "csv", "records": 2, "file": "out.csv"}
    assert len(out_file.read_text().splitlines()) == 3  # a header and two records

    evidence, _vics = build_case(tmp_path, known_count=1, unrelated=1)
    out = tmp_path / "scan"
    args = ["scan", str(evidence), "--against", "national", "--out", str(out), "--workers", "1"]
    scanned = runner.invoke(app, args)
    assert scanned.exit_code in (0, 1), scanned.output  # the fixture holds unreadable files
    [started] = _entries(database_url, "scan.start")
    [finished] = _entries(database_url, "scan.finish")
    assert started.actor == finished.actor == "natanalyst" and started.record_id == str(out)
    assert started.detail["evidence"] == [str(evidence)] and finished.detail["files"] > 0


def test_a_scan_by_an_unknown_user_is_refused_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOOTPRINT_USER", "nobody")
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    out = tmp_path / "scan"
    refused = runner.invoke(app, ["scan", str(evidence), "--against", "x", "--out", str(out)])
    assert refused.exit_code == 2 and "user 'nobody': unknown or inactive" in refused.output
    assert not out.exists()


def test_a_correction_from_the_cli_is_audited_and_shown_with_its_history(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    add = ["users", "add", "natanalyst", "--org", "NCA", "--role", "analyst"]
    assert runner.invoke(app, add).exit_code == 0
    monkeypatch.setenv("FOOTPRINT_USER", "natanalyst")
    source = write_hashset(tmp_path / "s.json", [media(1), media(2)])
    assert (
        runner.invoke(app, ["hashset", "import", str(source), "--set", "national"]).exit_code == 0
    )
    correct = ["hashset", "correct", "national", "1", "--category", "A", "--victim-identified"]
    refused = runner.invoke(app, correct)
    assert refused.exit_code == 2 and "--reason" in refused.output  # a reason is required
    done = runner.invoke(app, [*correct, "--reason", "regraded A on review"])
    assert done.exit_code == 0, done.output
    assert "category: 'indecent-uncategorised' -> 'A'" in done.output
    assert "victim_identified: False -> True" in done.output
    [entry] = _entries(database_url, "hashset.correct")
    assert (entry.actor, entry.record_id, entry.detail["record"]) == ("natanalyst", "national", "1")
    assert entry.detail["after"]["category"] == "A" and entry.detail["version"] == 2
    shown = runner.invoke(app, ["hashset", "record", "national", "1", "--json"])
    assert shown.exit_code == 0, shown.output
    view = json.loads(shown.output)
    assert view["category"] == "A" and view["victim_identified"] is True
    assert [h["reason"] for h in view["history"]] == ["regraded A on review"]
    nothing = ["hashset", "correct", "national", "9", "--series", "x", "--reason", "r"]
    unknown = runner.invoke(app, nothing)
    assert unknown.exit_code == 2 and "no record '9' in set national" in unknown.output


def test_a_scan_export_is_audited_and_an_unknown_user_gets_no_file(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    add = ["users", "add", "metexam", "--org", "E23000001", "--role", "forensic-examiner"]
    assert runner.invoke(app, add).exit_code == 0
    evidence, vics = build_case(tmp_path, known_count=1, unrelated=1)
    store = store_with_known(tmp_path, vics)
    scan(store, ScanRequest([evidence], ["known"], tmp_path / "scan", SignalOptions(), 1))
    store.close()
    target = tmp_path / "case.json"
    export = ["scan-export", str(tmp_path / "scan"), "--out", str(target)]
    monkeypatch.setenv("FOOTPRINT_USER", "nobody")
    refused = runner.invoke(app, export)
    assert refused.exit_code == 2 and "user 'nobody': unknown or inactive" in refused.output
    assert not target.exists() and not target.with_name("case.json.partial").exists()
    monkeypatch.setenv("FOOTPRINT_USER", "metexam")
    done = runner.invoke(app, export)
    assert done.exit_code == 0, done.output
    [entry] = _entries(database_url, "scan.export")
    assert (entry.actor, entry.record_id) == ("metexam", str(tmp_path / "scan"))
    media = json.loads(target.read_text())["value"][0]["Media"]
    assert entry.detail["records"] == len(media) and entry.detail["file"] == "case.json"


@pytest.mark.parametrize("command", [["scan-export", "scan"], ["grade", "new-material"]])
def test_an_export_with_unreadable_uk_codes_stops_naming_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.setenv("FOOTPRINT_UK_CATEGORY_CODES", "1=A,2=Z")
    target = tmp_path / "out.json"
    if command[0] == "scan-export":
        command = ["scan-export", str(tmp_path / "scan")]
    refused = runner.invoke(app, [*command, "--out", str(target)])
    assert refused.exit_code == 2
    assert "uk_category_codes: UK category code '2=Z'" in refused.output
    assert not target.exists() and not target.with_name("out.json.partial").exists()

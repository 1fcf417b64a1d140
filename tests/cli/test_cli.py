from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from footprint.cli.main import app
from tests.hashsets.vics_samples import media, write_hashset
from tests.triage.evidence_fixtures import build_case

runner = CliRunner()


@pytest.fixture(autouse=True)
def store_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "var" / "hashsets.sqlite"
    monkeypatch.setenv("FOOTPRINT_HASHSET_STORE", str(path))
    monkeypatch.delenv("FOOTPRINT_CONFIG", raising=False)
    monkeypatch.delenv("FOOTPRINT_USER", raising=False)
    # no operations database here (a triage workstation): nothing audited, nothing created
    monkeypatch.setenv("FOOTPRINT_DATABASE_URL", f"sqlite:///{tmp_path}/absent.db")
    return path


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_import_list_export_round_trip(tmp_path: Path) -> None:
    source = write_hashset(tmp_path / "s.json", [media(1), media(2, Category=0)])
    result = invoke("hashset", "import", str(source), "--set", "ops")
    assert result.exit_code == 0, result.output
    assert "2 imported" in result.output
    listed = invoke("hashset", "list", "--json")
    sets = json.loads(listed.output)
    assert sets[0]["name"] == "ops" and sets[0]["records"] == 2 and sets[0]["version"] == 1
    assert sets[0]["categories"] == {"indecent-uncategorised": 1, "non-pertinent": 1}
    out = tmp_path / "export.json"
    assert invoke("hashset", "export", "ops", "--format", "vics", "--out", str(out)).exit_code == 0
    assert invoke("hashset", "import", str(out), "--set", "copy").exit_code == 0
    table = invoke("hashset", "list")
    assert "ops" in table.output and "copy" in table.output


def test_import_reports_skipped_records_and_exit_code(tmp_path: Path) -> None:
    source = write_hashset(tmp_path / "s.json", [media(1), media(2, MD5="xyz")])
    report_path = tmp_path / "report.json"
    result = invoke("hashset", "import", str(source), "--set", "s", "--report", str(report_path))
    assert result.exit_code == 4
    assert "skipped record 2: md5" in result.output
    report = json.loads(report_path.read_text())[0]
    assert report["imported"] == 1 and report["skipped"][0]["record"] == 2


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    source = write_hashset(tmp_path / "s.json", [media(1)])
    bad_scheme = invoke("hashset", "import", str(source), "--set", "s", "--scheme", "nope")
    assert bad_scheme.exit_code == 2 and "choose one of" in bad_scheme.output
    unknown = invoke("hashset", "export", "missing", "--out", str(tmp_path / "x.json"))
    assert unknown.exit_code == 2 and "not found" in unknown.output
    assert not (tmp_path / "x.json").exists()
    scan = invoke("scan", str(tmp_path), "--against", "missing", "--out", str(tmp_path / "o"))
    assert scan.exit_code == 2
    assert invoke("hashset", "import", str(source), "--set", "s").exit_code == 0
    engine = invoke(
        "scan", str(tmp_path), "--against", "s", "--out", str(tmp_path / "e"), "--engine", "gpu"
    )
    assert engine.exit_code == 2 and "--engine 'gpu': choose one of local, ray" in engine.output


def test_scan_writes_outputs_and_exits_1_on_file_errors(tmp_path: Path) -> None:
    evidence, vics = build_case(tmp_path)
    assert invoke("hashset", "import", str(vics), "--set", "known").exit_code == 0
    out = tmp_path / "out"
    result = invoke(
        "scan", str(evidence), "--against", "known", "--out", str(out), "--workers", "1"
    )
    assert result.exit_code == 1  # the fixture holds an empty and a truncated file
    summary = json.loads((out / "summary.json").read_text())
    assert summary["matched_files"] == 9 and summary["errors"] == 2
    assert {p.name for p in out.iterdir()} >= {"findings.jsonl", "summary.json", "report.html"}


def test_bad_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOOTPRINT_PIXEL_LIMIT", "lots")
    result = invoke("hashset", "list")
    assert result.exit_code == 2 and "pixel_limit" in result.output


def test_serve_refuses_fewer_than_one_request_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOOTPRINT_DATABASE_URL", f"sqlite:///{tmp_path}/footprint.db")
    monkeypatch.setenv("FOOTPRINT_REQUEST_THREADS", "0")
    result = invoke("serve", "--port", "1")
    assert result.exit_code == 2 and "request_threads: must be at least 1" in result.output


def test_many_skipped_records_say_that_more_were_left_out(tmp_path: Path) -> None:
    """25 bad records and no warnings: the first 20 are listed and the rest said to be in the
    report (the count once mixed both lists, and hid this)."""
    items = [media(1)] + [media(n, MD5="xyz") for n in range(2, 27)]
    source = write_hashset(tmp_path / "s.json", items)
    result = invoke("hashset", "import", str(source), "--set", "s")
    assert result.exit_code == 4
    assert result.output.count("skipped record") == 20
    assert "and more: see --report" in result.output


def test_export_refuses_a_format_that_cannot_be_written(tmp_path: Path) -> None:
    source = write_hashset(tmp_path / "s.json", [media(1)])
    assert invoke("hashset", "import", str(source), "--set", "s").exit_code == 0
    refused = invoke("hashset", "export", "s", "--format", "nsrl", "--out", str(tmp_path / "x"))
    assert refused.exit_code == 2 and "choose one of vics" in refused.output


def test_a_plugin_that_cannot_load_stops_the_command_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FOOTPRINT_PLUGINS", "footprint_no_such_plugin")
    result = invoke("hashset", "list")
    assert result.exit_code == 2
    assert "plugins: cannot load 'footprint_no_such_plugin'" in result.output


def test_serve_clears_what_a_stopped_server_left_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upload or export a crashed server never removed goes before the new server starts;
    other files of var_dir stay."""
    import uvicorn

    var = tmp_path / "srv"
    monkeypatch.setenv("FOOTPRINT_VAR_DIR", str(var))
    monkeypatch.setenv("FOOTPRINT_DATABASE_URL", f"sqlite:///{tmp_path}/footprint.db")
    for name in ("uploads/0f3a.upload", "exports/scan-export-x1", "exports/scan-export-x2"):
        (var / name).parent.mkdir(parents=True, exist_ok=True)
        (var / name).write_text("case data")
    kept = var / "scans" / "E23000001" / "findings.jsonl"
    kept.parent.mkdir(parents=True)
    kept.write_text("{}")
    started: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **_: started.append(target))
    result = invoke("serve", "--port", "1")
    assert result.exit_code == 0, result.output
    assert "removed 3 upload or export files" in result.output
    assert started == ["footprint.web.serving:app"]
    assert list((var / "uploads").iterdir()) == list((var / "exports").iterdir()) == []
    assert kept.read_text() == "{}"
    again = invoke("serve", "--port", "1")  # nothing left: nothing said
    assert again.exit_code == 0 and "removed" not in again.output

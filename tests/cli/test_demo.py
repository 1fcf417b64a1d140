from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from footprint.cli.main import app

runner = CliRunner()


def test_demo_runs_end_to_end_and_only_deletes_its_own_folder(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--workdir", str(workdir)])
    assert result.exit_code == 0, result.output
    summary = json.loads((workdir / "scan" / "summary.json").read_text())
    assert summary["matched_files"] >= 70
    assert summary["unknown_images"] >= 8  # the unrelated holiday pictures at least
    assert summary["errors_by_code"] == {"empty": 1, "truncated": 1}
    assert "which edits still match" in result.output
    (case,) = json.loads((workdir / "scan-vics-case.json").read_text())["value"]
    files = sum(len(m["MediaFiles"]) for m in case["Media"])
    assert case["CaseNumber"] == "DEMO-1"
    assert files == summary["matched_files"] + summary["unknown_images"]
    again = runner.invoke(app, ["demo", "--workdir", str(workdir)])  # its own folder: rebuilt
    assert again.exit_code == 0
    foreign = tmp_path / "precious"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("do not delete")
    refused = runner.invoke(app, ["demo", "--workdir", str(foreign)])
    assert refused.exit_code == 2
    assert (foreign / "keep.txt").exists()


def test_demo_data_loads_an_operation_once(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOOTPRINT_DATABASE_URL", database_url)
    monkeypatch.setenv("FOOTPRINT_VAR_DIR", str(tmp_path / "var"))
    result = runner.invoke(app, ["demo-data", "--referrals", "150"])
    assert result.exit_code == 0, result.output
    assert "Operation Demo: 151 referrals" in result.output and "met.supervisor" in result.output
    for shown in ("merge", "deconfliction hit", "overdue package"):
        assert shown in result.output, shown  # one of each, to go and look at
    assert (tmp_path / "var" / "demo-data" / "referrals.jsonl").exists()
    again = runner.invoke(app, ["demo-data"])
    assert again.exit_code == 0 and "already loaded" in again.output
    figures = runner.invoke(app, ["figures", "--operation", "Operation Demo"])
    assert figures.exit_code == 0 and "Metropolitan Police" in figures.output

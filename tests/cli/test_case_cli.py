"""`footprint case ...` and `footprint figures` through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from footprint.cli.main import app
from footprint.store import Database
from tests.operations.cases_setup import KENT, MET, finished_scan, open_cases

runner = CliRunner()


@pytest.fixture(autouse=True)
def use_test_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOOTPRINT_DATABASE_URL", database_url)


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def refused(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2, result.output
    return result.output


def test_a_case_from_received_to_charged(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (case_id,) = open_cases(database, tmp_path, [MET])
    case = str(case_id)
    ok("users", "add", "metinv", "--org", MET, "--role", "investigator")
    ok("users", "add", "kentinv", "--org", KENT, "--role", "investigator")
    monkeypatch.setenv("FOOTPRINT_USER", "kentinv")
    assert f"case {case}: not found" in refused("case", "show", case)
    monkeypatch.setenv("FOOTPRINT_USER", "metinv")
    assert "allowed from received: researching, transferred" in refused(
        "case", "advance", case, "arrested"
    )
    for state in ("researching", "warrant-applied", "warrant-granted", "search-executed"):
        ok("case", "advance", case, state)
    scan = finished_scan(tmp_path, {"A": 1, "B": 2, "C": 30})
    ok("case", "record-outcome", case, "--search", "1 Example Street", "--on", "2026-11-02")
    ok(
        "case",
        "record-outcome",
        case,
        "--device",
        "EX-1",
        "--description",
        "laptop",
        "--scan",
        str(scan),
    )
    # the same scan again, for a second device with a search: refused, and nothing recorded
    said = refused(
        "case", "record-outcome", case, "--search", "9 Other Road", "--device", "EX-9",
        "--scan", str(scan), "--on", "2026-11-02",
    )  # fmt: skip
    assert "already linked to exhibit EX-1" in said
    shown = ok("case", "show", case)  # everything recorded on the case, as JSON
    assert "EX-1" in shown and "1 Example Street" in shown
    assert "EX-9" not in shown and "9 Other Road" not in shown
    assert "on: 2999-01-01 is in the future" in refused(
        "case", "advance", case, "arrested", "--on", "2999-01-01"
    )
    assert "arrested (next: on-bail, released-under-investigation" in ok(
        "case", "advance", case, "arrested", "--on", "2026-11-03"
    )
    out = ok(
        "case",
        "bail",
        case,
        "--condition",
        "no-unsupervised-contact",
        "--condition",
        "keep away from the park",
        "--authorised-by",
        "Insp A",
        "--start",
        "2026-11-03",
    )
    assert "bail expires 02 Feb 2027" in out
    assert "6-months, expires 02 May 2027" in ok(
        "case", "extend-bail", case, "--authorised-by", "Supt B"
    )
    ok(
        "case",
        "safeguard",
        case,
        "--children",
        "2",
        "--age-band",
        "0-4",
        "--relationship",
        "own-child",
        "--immediate-risk",
    )
    ok(
        "case",
        "safeguard",
        case,
        "--action",
        "social-care-referral",
        "--owner",
        "DS Owner",
        "--on",
        "2026-11-03",
    )
    assert "'hug' is not one of" in refused(
        "case", "safeguard", case, "--action", "hug", "--owner", "x"
    )
    ok("case", "advance", case, "charged")
    charged = ok("case", "record-outcome", case, "--charge", "making", "--on", "2026-12-01")
    assert "{'A': 1, 'B': 2, 'C': 30}" in charged
    shown = ok("case", "show", case)
    assert (
        '"images_c": 30' in shown and '"no unsupervised contact with any child under 18"' in shown
    )
    assert '"kind": "social-care-referral"' in shown
    html, js = tmp_path / "file.html", tmp_path / "file.json"
    assert "written to" in ok("case", "file", case, "--out", str(html))
    assert "Protection of Children Act 1978 s.1(1)(a)" in html.read_text()
    ok("case", "file", case, "--out", str(js))
    prepared = json.loads(js.read_text())
    assert prepared["offences"][0]["images"] == {"A": 1, "B": 2, "C": 30}
    assert prepared["exhibits"][0]["exhibit_ref"] == "EX-1" and prepared["audit"]["intact"]
    monkeypatch.delenv("FOOTPRINT_USER")
    preview = ok("figures", "--operation", "Op Case", "--as-of", "2026-12-01")
    assert "Metropolitan Police" in preview and "[c]" in preview and "preview only" in preview
    published = ok(
        "figures", "--operation", "Op Case", "--publish", "--out", str(tmp_path / "release")
    )
    assert "publication 1 recorded" in published
    release = json.loads((tmp_path / "release.json").read_text())
    assert release["national"]["arrests"] == "[c]" and release["publication"] == 1
    assert (tmp_path / "release.csv").read_text().startswith("force_code,force_name,")
    monkeypatch.setenv("FOOTPRINT_USER", "metinv")
    assert "publishing figures is for the national coordinator" in refused(
        "figures", "--operation", "Op Case", "--publish"
    )

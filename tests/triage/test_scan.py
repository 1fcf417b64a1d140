from __future__ import annotations

import builtins
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from footprint.hashsets import ImportOptions, KnownHashStore, import_file
from footprint.signals import DecodePath
from footprint.triage.scan import ScanError
from footprint.triage.service import ScanRequest, scan
from footprint.triage.signals_job import SignalOptions
from tests.triage.evidence_fixtures import build_case, store_with_known

FINDING_KEYS = {
    "path", "locator", "size", "media_type", "signals", "signal_details", "error", "matches",
}  # fmt: skip


def read_findings(out: Path) -> list[dict[str, Any]]:
    lines = (out / "findings.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def by_name(findings: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(Path(f["path"]).relative_to(Path(f["path"]).parents[1])): f for f in findings}


def run(store: KnownHashStore, evidence: Path, out: Path, workers: int = 1, **kw: Any):
    options = SignalOptions(decode=kw.pop("decode", DecodePath.FAST))
    return scan(store, ScanRequest([evidence], kw.pop("sets", ["known"]), out, options, workers))


@pytest.fixture
def case(tmp_path: Path):
    evidence, vics = build_case(tmp_path)
    store = store_with_known(tmp_path, vics)
    yield evidence, store
    store.close()


def test_findings_summary_and_report(case, tmp_path: Path) -> None:
    evidence, store = case
    summary = run(store, evidence, tmp_path / "out")
    findings = read_findings(tmp_path / "out")
    assert all(set(f) >= FINDING_KEYS for f in findings)
    named = by_name(findings)
    copy = named["k0/copy.jpg"]
    assert {(m["kind"], m["category"], m["record_id"]) for m in copy["matches"]} == {
        ("md5", "A", "500"),
        ("sha1", "A", "500"),
        ("pdq", "A", "500"),
    }
    assert (
        copy["signals"]["md5"] == hashlib.md5((evidence / "k0/copy.jpg").read_bytes()).hexdigest()
    )
    small = named["k1/small.jpg"]
    assert [(m["kind"], m["category"]) for m in small["matches"]] == [("pdq", "B")]
    assert 0 <= small["matches"][0]["distance"] <= 31
    assert named["k2/reencoded.png"]["media_type"] == "image/png"
    assert (
        "pdq" not in named["other/readme.txt"]["signals"]
        and named["other/readme.txt"]["error"] is None
    )
    assert named["other/empty.gif"]["error"]["code"] == "empty"
    assert named["other/cut.jpg"]["error"]["code"] == "truncated"
    assert summary["files"] == 9 + 6 == len(findings)
    assert summary["matched_files_by_category"]["A"] == 3
    assert summary["matched_files"] == 9
    assert summary["unknown_images"] == 3
    assert summary["errors"] == 2
    assert summary["sets"][0]["name"] == "known" and summary["sets"][0]["version"] == 1
    report = (tmp_path / "out" / "report.html").read_text()
    assert "<img" not in report and "k0/copy.jpg" in report and "truncated" in report
    assert "<svg" in report and "<script" not in report  # chart drawn inline, no script
    assert json.loads((tmp_path / "out" / "summary.json").read_text()) == summary


def test_parallel_equals_inline(case, tmp_path: Path) -> None:
    evidence, store = case
    run(store, evidence, tmp_path / "one", workers=1)
    run(store, evidence, tmp_path / "two", workers=2)
    key = lambda f: f["path"]  # noqa: E731
    assert sorted(read_findings(tmp_path / "one"), key=key) == sorted(
        read_findings(tmp_path / "two"), key=key
    )


def snapshot(root: Path) -> dict[str, tuple[int, int, str]]:
    state = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        state[str(path)] = (info.st_mtime_ns, info.st_size, digest)
    return state


def test_evidence_is_never_written(case, tmp_path: Path) -> None:
    evidence, store = case
    before = snapshot(evidence)
    run(store, evidence, tmp_path / "out", workers=2)
    assert snapshot(evidence) == before


def test_symlink_loops_and_links_are_not_followed(case, tmp_path: Path) -> None:
    evidence, store = case
    (evidence / "k0" / "loop").symlink_to(evidence)
    (evidence / "other" / "alias.jpg").symlink_to(evidence / "k0" / "copy.jpg")
    summary = run(store, evidence, tmp_path / "out")
    assert summary["files"] == 15
    assert summary["symlinks_not_followed"] == 2


def test_permission_errors_become_findings(case, tmp_path: Path, monkeypatch) -> None:
    evidence, store = case
    locked_dir = str(evidence / "k1")
    locked_file = str(evidence / "k2" / "copy.jpg")
    real_scandir, real_open = os.scandir, builtins.open

    def scandir(path: Any = ".") -> Any:
        if str(path) == locked_dir:
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    def open_(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file) == locked_file:
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(builtins, "open", open_)
    summary = run(store, evidence, tmp_path / "out", workers=1)
    named = {f["path"]: f for f in read_findings(tmp_path / "out")}
    assert named[locked_dir]["error"] == {
        "code": "unreadable",
        "message": "cannot list folder: Permission denied",
    }
    assert named[locked_file]["error"]["code"] == "unreadable"
    assert summary["errors_by_code"] == {"empty": 1, "truncated": 1, "unreadable": 2}


def test_ignore_set_suppresses_hits(case, tmp_path: Path) -> None:
    evidence, store = case
    confirmed = tmp_path / "false-positives.csv"
    md5 = hashlib.md5((evidence / "k0" / "copy.jpg").read_bytes()).hexdigest()
    confirmed.write_text(f"md5,category\n{md5},non-pertinent\n")
    import_file(store, confirmed, "fp", ImportOptions(scheme="csv", kind=None))
    store.db.execute("UPDATE hash_sets SET kind = 'ignore' WHERE name = 'fp'")
    summary = run(store, evidence, tmp_path / "out", sets=["known", "fp"])
    named = by_name(read_findings(tmp_path / "out"))
    copy = named["k0/copy.jpg"]
    assert [m["set"] for m in copy["matches"]] == ["fp"]
    assert {m["set"] for m in copy["suppressed_matches"]} == {"known"}
    assert summary["suppressed_by_ignore_sets"] == 1
    assert summary["matched_files_by_category"]["A"] == 2


def test_a_different_job_cannot_reuse_the_output_folder(case, tmp_path: Path) -> None:
    evidence, store = case
    run(store, evidence, tmp_path / "out")
    with pytest.raises(ScanError, match="different scan"):
        run(store, evidence, tmp_path / "out", decode=DecodePath.EXACT)


def test_rerun_of_a_finished_scan_changes_nothing(case, tmp_path: Path) -> None:
    evidence, store = case
    first = run(store, evidence, tmp_path / "out")
    lines = (tmp_path / "out" / "findings.jsonl").read_text()
    second = run(store, evidence, tmp_path / "out")
    assert (tmp_path / "out" / "findings.jsonl").read_text() == lines
    assert {k: v for k, v in first.items() if k != "elapsed_seconds"} == {
        k: v for k, v in second.items() if k != "elapsed_seconds"
    }

"""Killed with SIGKILL at any point and run again, a scan ends with the same findings as an
uninterrupted one: none duplicated, none lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from footprint.synthetic.images import benign_image, encode
from tests.triage.evidence_fixtures import build_case


def footprint(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "footprint", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def scan_env(tmp_path: Path) -> dict[str, str]:
    """The CLI's environment: a store of the test's own, and no operations database."""
    return {
        **os.environ,
        "FOOTPRINT_HASHSET_STORE": str(tmp_path / "hs.sqlite"),
        "FOOTPRINT_DATABASE_URL": f"sqlite:///{tmp_path}/absent.db",
    }


def line_count(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def sorted_findings(out: Path) -> list[str]:
    lines = (out / "findings.jsonl").read_text().splitlines()
    return sorted(lines, key=lambda line: json.loads(line)["path"])


def test_resume_after_kill_9(tmp_path: Path) -> None:
    evidence, vics = build_case(tmp_path, known_count=6, unrelated=6)
    bulk = evidence / "bulk"
    bulk.mkdir()
    for seed in range(200, 440):
        (bulk / f"b{seed}.jpg").write_bytes(encode(benign_image(seed, (900, 700)), "JPEG"))
    total_files = len([p for p in evidence.rglob("*") if p.is_file()])
    env = scan_env(tmp_path)
    assert footprint(["hashset", "import", str(vics), "--set", "known"], env).wait(600) == 0

    scan_args = ["scan", str(evidence), "--against", "known", "--workers", "2", "--decode", "exact"]
    reference = tmp_path / "reference"
    assert footprint([*scan_args, "--out", str(reference)], env).wait(900) in (0, 1)

    out = tmp_path / "killed"
    findings = out / "findings.jsonl"
    kills = 0
    for threshold in (20, 90):  # kill twice, at different depths
        process = footprint([*scan_args, "--out", str(out)], env)
        deadline = time.monotonic() + 600  # bounds a failure only
        while line_count(findings) < threshold and process.poll() is None:
            assert time.monotonic() < deadline, "scan made no progress"
            time.sleep(0.02)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            kills += 1
        assert line_count(findings) < total_files, "scan finished before it could be killed"
    # a write torn by the kill: half a line at the end of the file
    with findings.open("ab") as stream:
        stream.write(b'{"path": "/half/written", "si')
    assert kills == 2

    assert footprint([*scan_args, "--out", str(out)], env).wait(900) in (0, 1)
    resumed = sorted_findings(out)
    assert len(resumed) == len({json.loads(line)["path"] for line in resumed}) == total_files
    assert resumed == sorted_findings(reference)
    summary = json.loads((out / "summary.json").read_text())
    reference_summary = json.loads((reference / "summary.json").read_text())
    summary.pop("elapsed_seconds")
    reference_summary.pop("elapsed_seconds")
    assert summary == reference_summary


def test_ctrl_c_exits_3_and_the_rerun_completes(tmp_path: Path) -> None:
    evidence, vics = build_case(tmp_path, known_count=3, unrelated=3)
    for seed in range(600, 700):
        (evidence / f"p{seed}.jpg").write_bytes(encode(benign_image(seed, (900, 700)), "JPEG"))
    total_files = len([p for p in evidence.rglob("*") if p.is_file()])
    env = scan_env(tmp_path)
    assert footprint(["hashset", "import", str(vics), "--set", "known"], env).wait(600) == 0
    out = tmp_path / "out"
    args = ["scan", str(evidence), "--against", "known", "--out", str(out), "--workers", "2"]
    process = footprint([*args, "--decode", "exact"], env)
    while line_count(out / "findings.jsonl") < 10:
        assert process.poll() is None, "scan ended before it could be interrupted"
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends to the foreground group
    assert process.wait(600) == 3  # bounds a failure only
    assert line_count(out / "findings.jsonl") < total_files
    assert footprint([*args, "--decode", "exact"], env).wait(900) == 1  # fixture has bad files
    findings = sorted_findings(out)
    assert len(findings) == len({json.loads(line)["path"] for line in findings}) == total_files

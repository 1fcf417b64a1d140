"""A scan's worker processes never outlive it: `kill -9` of the scan takes its workers too."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from footprint.synthetic.images import benign_image, encode
from tests.triage.evidence_fixtures import build_case
from tests.triage.test_resume import footprint, line_count, scan_env


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_kill_9_of_a_scan_takes_its_workers(tmp_path: Path) -> None:
    evidence, vics = build_case(tmp_path, known_count=2, unrelated=2)
    for seed in range(800, 1000):
        (evidence / f"w{seed}.jpg").write_bytes(encode(benign_image(seed, (900, 700)), "JPEG"))
    env = scan_env(tmp_path)
    assert footprint(["hashset", "import", str(vics), "--set", "known"], env).wait(600) == 0
    out = tmp_path / "out"
    args = ["scan", str(evidence), "--against", "known", "--out", str(out), "--workers", "2"]
    scan = footprint([*args, "--decode", "exact"], env)
    while line_count(out / "findings.jsonl") < 5:  # the workers are at work
        assert scan.poll() is None, "the scan ended before it could be killed"
        time.sleep(0.05)
    workers = _children(scan.pid)
    assert len(workers) >= 2
    os.kill(scan.pid, signal.SIGKILL)  # the scan alone, not its process group
    scan.wait()
    deadline = time.monotonic() + 120  # the kernel acts at once; this only bounds a failure
    while any(_alive(pid) for pid in workers):
        assert time.monotonic() < deadline, f"workers outlived the scan: {workers}"
        time.sleep(0.05)

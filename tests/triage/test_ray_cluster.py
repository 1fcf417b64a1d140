"""`footprint scan --engine ray --address` on a cluster started apart from it, as an examiner
would (`ray start --head` with Ray's token authentication on): the same findings as the local
engine; without token mode the driver is refused with a message that says what to set."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.triage.evidence_fixtures import build_case
from tests.triage.test_resume import scan_env, sorted_findings

pytest.importorskip("ray")
RAY = Path(sys.executable).with_name("ray")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _stop(tag: str) -> None:
    """Every process of this cluster (its temp folder is in each command line); never
    `ray stop`, which would stop any other Ray on the machine."""
    for attempt in (signal.SIGTERM, signal.SIGKILL):
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                if tag in (proc / "cmdline").read_bytes().decode(errors="replace"):
                    os.kill(int(proc.name), attempt)
            except (OSError, ValueError):
                continue
        time.sleep(1)


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[str, dict[str, str]]]:
    """(address, environment): a head node with 2 CPUs; its token in a home of its own."""
    if not RAY.exists():
        pytest.skip(f"{RAY} is not installed")
    folder = Path(tempfile.mkdtemp(prefix="fpray"))  # short: Ray's sockets live under it
    env = {**os.environ, "HOME": str(folder), "RAY_USAGE_STATS_ENABLED": "0"}
    env.pop("RAY_AUTH_MODE", None)
    env.pop("RAY_ADDRESS", None)
    port = _free_port()
    head = [str(RAY), "start", "--head", "--port", str(port), "--num-cpus", "2"]
    head += ["--include-dashboard=false", "--disable-usage-stats", "--temp-dir", str(folder / "t")]
    token = [str(RAY), "get-auth-token", "--generate"]  # as Ray's token-auth guide starts
    made = subprocess.run(token, env=env, capture_output=True, text=True, timeout=300)
    assert made.returncode == 0 and (folder / ".ray" / "auth_token").is_file(), made.stderr
    started = subprocess.run(head, env=env, capture_output=True, text=True, timeout=300)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert "Token authentication is enabled" in started.stdout + started.stderr
        yield f"127.0.0.1:{port}", env
    finally:
        _stop(str(folder / "t"))
        shutil.rmtree(folder, ignore_errors=True)


def _scan(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "footprint", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,  # bounds a failure only
    )


def test_a_scan_on_a_separate_cluster_equals_the_local_one(
    tmp_path: Path, cluster: tuple[str, dict[str, str]]
) -> None:
    address, cluster_env = cluster
    evidence, vics = build_case(tmp_path, known_count=3, unrelated=4)
    env = {**scan_env(tmp_path), "HOME": cluster_env["HOME"], "RAY_USAGE_STATS_ENABLED": "0"}
    env.pop("RAY_AUTH_MODE", None)
    assert _scan(["hashset", "import", str(vics), "--set", "known"], env).returncode == 0
    common = ["scan", str(evidence), "--against", "known", "--workers", "2"]
    local = _scan([*common, "--out", str(tmp_path / "local")], env)
    assert local.returncode in (0, 1), local.stderr  # 1: the case holds files that fail to decode

    refused = _scan(
        [*common, "--out", str(tmp_path / "no-token"), "--engine", "ray", "--address", address], env
    )
    assert refused.returncode == 2 and "RAY_AUTH_MODE=token" in refused.stderr, refused.stderr

    env["RAY_AUTH_MODE"] = "token"  # as docs/operations.md says: the token goes to this address
    on_ray = _scan(
        [*common, "--out", str(tmp_path / "ray"), "--engine", "ray", "--address", address], env
    )
    assert on_ray.returncode == local.returncode, on_ray.stderr
    assert sorted_findings(tmp_path / "ray") == sorted_findings(tmp_path / "local")
    assert len(sorted_findings(tmp_path / "ray")) == len(
        [p for p in evidence.rglob("*") if p.is_file()]
    )

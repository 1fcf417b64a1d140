"""The Ray engine gives the local engine's findings for the same input, and resumes the same
way; tested on a local Ray cluster started here with 2 CPUs."""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from footprint.synthetic.images import benign_image, encode
from footprint.triage.service import ScanRequest, scan
from footprint.triage.signals_job import SignalOptions
from tests.triage.evidence_fixtures import build_case, store_with_known

os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
import ray


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(  # "local": its own cluster, whatever `ray start` may have left on the machine
        address="local",
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
    )
    yield
    ray.shutdown()


def findings(out: Path) -> dict[str, dict[str, Any]]:
    return {f["path"]: f for f in map(json.loads, (out / "findings.jsonl").open())}


def evidence_with_archive(tmp_path: Path) -> tuple[Path, Path]:
    evidence, vics = build_case(tmp_path, known_count=3, unrelated=4)
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("inner/copy.jpg", (evidence / "k0/copy.jpg").read_bytes())
        archive.writestr("inner/other.jpg", encode(benign_image(300, (200, 150)), "JPEG"))
    (evidence / "archive.zip").write_bytes(packed.getvalue())
    return evidence, vics


def test_ray_engine_equals_local_and_resumes(tmp_path: Path, local_ray: None) -> None:
    evidence, vics = evidence_with_archive(tmp_path)
    store = store_with_known(tmp_path, vics)
    options = SignalOptions()
    try:
        local = scan(store, ScanRequest([evidence], ["known"], tmp_path / "local", options, 2))
        request = ScanRequest([evidence], ["known"], tmp_path / "ray", options, 2, engine="ray")
        on_ray = scan(store, request)
        assert findings(tmp_path / "ray") == findings(tmp_path / "local")
        drop = {"elapsed_seconds"}
        assert {k: v for k, v in on_ray.items() if k not in drop} == {
            k: v for k, v in local.items() if k not in drop
        }
        assert local["matched_files"] >= 10  # the archive's copy too
        assert any("archive.zip!/inner/copy.jpg" in p for p in findings(tmp_path / "ray"))

        # stopped part-way (half the lines and a torn one), the Ray scan carries on
        written = (tmp_path / "ray/findings.jsonl").read_bytes().splitlines(keepends=True)
        half = b"".join(written[: len(written) // 2]) + written[-1][:20]
        (tmp_path / "ray/findings.jsonl").write_bytes(half)
        again = scan(store, request)
        assert findings(tmp_path / "ray") == findings(tmp_path / "local")
        assert again["files"] == local["files"]
    finally:
        store.close()

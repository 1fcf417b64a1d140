"""A file that kills its worker process is recorded as an error; the scan goes on."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from footprint.evidence import EvidenceFile, folder_file
from footprint.triage.scan import _signals_parallel
from footprint.triage.signals_job import SignalOptions, signals_for_file


def crashing_job(item: EvidenceFile, options: SignalOptions) -> dict[str, Any]:
    """Stands in for a decoder that segfaults on hostile input (runs in a spawned worker)."""
    if Path(item.path).name.startswith("crash"):
        os._exit(139)
    return signals_for_file(item, options)


def test_crashing_file_is_isolated_and_recorded(tmp_path: Path) -> None:
    files = []
    for n in range(12):
        name = "crash.bin" if n == 5 else f"f{n}.txt"
        path = tmp_path / name
        path.write_text(f"file {n}\n")
        files.append(folder_file(str(path), path.stat().st_size))
    results = list(_signals_parallel(files, SignalOptions(), workers=2, job=crashing_job))
    by_name = {Path(r["path"]).name: r for r in results}
    assert sorted(by_name) == sorted(Path(f.path).name for f in files)  # none lost, none twice
    assert len(results) == 12
    assert by_name["crash.bin"]["error"]["code"] == "crashed"
    assert by_name["crash.bin"]["signals"] == {}
    ok = [r for n, r in by_name.items() if n != "crash.bin"]
    assert all(r["error"] is None and r["signals"]["md5"] for r in ok)

"""A kind a plugin module registers is computed by every scan worker, not only in the process
that started the scan: workers are spawned and know only what they import."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from footprint.errors import Invalid
from footprint.hashsets import ImportOptions, KnownHashStore, import_file
from footprint.plugins import load_plugins
from footprint.signals import unregister_signal_kind
from footprint.triage.service import ScanRequest, scan
from footprint.triage.signals_job import SignalOptions

PLUGIN = '''
from footprint.signals import Computed, SignalKind, register_signal_kind


class Tail4(SignalKind):
    """The last 4 bytes of a file, as hex: exact."""

    name = "tail4"

    def validate(self, value):
        return value.strip().lower()

    def compute(self, content):
        return Computed(content.data[-4:].hex()) if content.data else None


register_signal_kind(Tail4())
'''


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "footprint_tail4.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(folder))  # spawned workers start with this path too
    yield "footprint_tail4"
    unregister_signal_kind("tail4")
    sys.modules.pop("footprint_tail4", None)


def test_workers_compute_a_plugins_kind(plugin: str, tmp_path: Path) -> None:
    load_plugins([plugin])
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    for n in range(6):
        (evidence / f"f{n}.bin").write_bytes(f"file number {n} ends".encode() + bytes([n] * 4))
    known = tmp_path / "known.csv"
    known.write_text("record_id,tail4,category\nr3,03030303,B\n")
    store = KnownHashStore(tmp_path / "hashsets.sqlite")
    assert import_file(store, known, "known", ImportOptions()).imported == 1
    out = tmp_path / "scan"
    options = SignalOptions(plugins=(plugin,))
    scan(store, ScanRequest([evidence], ["known"], out, options, workers=2))
    store.close()
    findings = {Path(f["path"]).name: f for f in map(json.loads, (out / "findings.jsonl").open())}
    assert all("tail4" in f["signals"] for f in findings.values())  # computed in the workers
    matched = {name for name, f in findings.items() if f["matches"]}
    assert matched == {"f3.bin"} and findings["f3.bin"]["matches"][0]["kind"] == "tail4"


def test_a_plugin_that_cannot_load_is_named() -> None:
    with pytest.raises(Invalid, match="plugins: cannot load 'no_such_footprint_plugin'"):
        load_plugins(["no_such_footprint_plugin"])

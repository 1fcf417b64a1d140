"""`make bench` rewrites the table in docs/performance.md from the benchmarks' JSON results."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str) -> ModuleType:
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))  # the scripts import their shared `_common`
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


table = _load("table")
common = _load("_common")


def _result(folder: Path, name: str, rows: list[dict[str, object]]) -> None:
    payload: dict[str, object] = {"benchmark": name, "machine": "x86_64, 2 cores"}
    payload |= {"load": "1.0-1.2"}
    payload |= {"date": "2026-12-04", "command": f"benchmarks/{name}.py", "comparisons": rows}
    (folder / f"{name}.json").write_text(json.dumps(payload))


def _row(work: str, ratio: float, met: bool | None) -> dict[str, object]:
    return {
        "work": work,
        "anchor": "the anchor",
        "anchor_figure": "1 q/s",
        "footprint_figure": f"{ratio} q/s",
        "ratio": ratio,
        "target": ">= 2x",
        "met": met,
    }


DOC = "# Performance\n\nbefore\n\n{start}\nold | table\n{end}\n\n## after\nkept\n"


def test_the_table_is_rewritten_between_its_markers_and_nothing_else(tmp_path: Path) -> None:
    _result(tmp_path, "store-1000000", [_row("import", 0.1, False)])
    _result(tmp_path, "pdq", [_row("PDQ 12 MP", 8.6, False), _row("PDQ 0.3 MP", 3.1, True)])
    _result(tmp_path, "evidence", [_row("video", 0.75, None)])
    (tmp_path / "web-sqlite.json").write_text(json.dumps({"benchmark": "web-sqlite"}))
    doc = DOC.format(start=table.START, end=table.END)

    updated = table.replace_table(doc, table.render(table.load_results(tmp_path)))

    before, rest = updated.split(table.START)
    inside, after = rest.split(table.END)
    assert before == "# Performance\n\nbefore\n\n"
    assert after == "\n\n## after\nkept\n"
    lines = inside.strip().splitlines()
    assert lines[0].startswith("| work | anchor | anchor figure | footprint figure | ratio |")
    works = [line.split(" | ")[0].lstrip("| ") for line in lines[2:]]
    assert works == ["PDQ 12 MP", "PDQ 0.3 MP", "import", "video"]  # the order
    assert "| 8.6x |" in lines[2] and "| not met |" in lines[2]
    assert "| **met** |" in lines[3]
    assert "| - |" in lines[5]  # a figure with no target is not called met
    assert "`benchmarks/pdq.py`" in lines[2] and "1.0-1.2" in lines[2]
    assert "old | table" not in updated


def test_a_second_run_replaces_the_first_table(tmp_path: Path) -> None:
    _result(tmp_path, "digests", [_row("digests", 1.9, True)])
    once = table.replace_table(
        DOC.format(start=table.START, end=table.END), table.render(table.load_results(tmp_path))
    )
    _result(tmp_path, "digests", [_row("digests", 1.4, False)])
    twice = table.replace_table(once, table.render(table.load_results(tmp_path)))
    assert "1.4x" in twice and "1.9x" not in twice
    assert twice.count(table.START) == 1 and twice.count(table.END) == 1


def test_a_document_without_markers_is_refused_not_rewritten() -> None:
    with pytest.raises(ValueError, match="markers"):
        table.replace_table("# Performance\nno markers\n", "| table |")


def test_a_cell_with_a_pipe_does_not_break_the_row(tmp_path: Path) -> None:
    _result(tmp_path, "scan", [_row("scan a|b", 2.0, True)])
    line = table.render(table.load_results(tmp_path)).splitlines()[2]
    assert "scan a\\|b" in line
    assert line.count(" | ") == len(table.COLUMNS) - 1


def test_the_shipped_document_has_the_markers() -> None:
    doc = (BENCHMARKS.parent / "docs" / "performance.md").read_text()
    assert doc.count(table.START) == 1 and doc.count(table.END) == 1


def test_a_benchmark_writes_its_rows_with_machine_load_date_and_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    row = common.Comparison("work", "the anchor", "1 q/s", "3 q/s", 3.0, ">= 2x", True)
    path = common.write_results("matching-10", {"records": 10}, [row])
    written = json.loads(path.read_text())
    assert written["comparisons"] == [_row("work", 3.0, True) | {"footprint_figure": "3 q/s"}]
    for field in ("machine", "load", "date", "command"):
        assert written[field], field
    assert table.load_results(tmp_path)[0]["benchmark"] == "matching-10"

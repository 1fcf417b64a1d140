from __future__ import annotations

from pathlib import Path

from footprint.evidence import EvidenceFile, WalkProblem, walk_evidence


def test_walk_is_sorted_and_reports_problems(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "2.bin").write_bytes(b"xx")
    (tmp_path / "b" / "1.bin").write_bytes(b"x")
    (tmp_path / "a" / "z.bin").write_bytes(b"")
    (tmp_path / "a" / "up").symlink_to(tmp_path)
    single = tmp_path / "b" / "1.bin"
    items = list(walk_evidence([tmp_path, single, tmp_path / "missing"]))
    files = [
        (Path(i.path).relative_to(tmp_path).as_posix(), i.size)
        for i in items
        if isinstance(i, EvidenceFile)
    ]
    # the single file is inside the folder already walked: one finding, not two
    assert files == [("a/z.bin", 0), ("b/1.bin", 1), ("b/2.bin", 2)]
    assert all(i.locator.source == "folder" for i in items if isinstance(i, EvidenceFile))
    problems = [(Path(i.path).name, i.code) for i in items if isinstance(i, WalkProblem)]
    assert problems == [("up", "symlink"), ("missing", "not_found")]

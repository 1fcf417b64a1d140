"""The summary counts a charging file needs: per category, files and distinct contents, still
and moving images apart, and the deleted files among them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from footprint.triage.report import build_summary, write_reports


def finding(
    path: str, sha: str, media_type: str, category: str | None = None, **extra: Any
) -> dict[str, Any]:
    matches = [{"kind": "md5", "category": category, "record_id": "1"}] if category else []
    return {
        "path": path,
        "size": 10,
        "media_type": media_type,
        "signals": {"md5": sha[:32], "sha256": sha},
        "signal_details": {},
        "error": None,
        "matches": matches,
        "flags": extra.pop("flags", []),
        **extra,
    }


SHA = {name: name * 64 for name in "abcdef"}


def write(tmp_path: Path, findings: list[dict[str, Any]]) -> Path:
    path = tmp_path / "findings.jsonl"
    path.write_text("".join(json.dumps(f) + "\n" for f in findings))
    return path


def test_counts_per_category_distinct_still_moving_and_deleted(tmp_path: Path) -> None:
    findings = [
        finding("dev!/a.jpg", SHA["a"], "image/jpeg", "A"),
        finding("dev!/copy/a.jpg", SHA["a"], "image/jpeg", "A", flags=["deleted"]),
        finding("dev!/x.zip!/a.jpg", SHA["a"], "image/jpeg", "A"),  # inside an archive too
        finding("dev!/b.png", SHA["b"], "image/png", "A"),
        finding("dev!/v.mp4", SHA["c"], "video/mp4", "A"),
        finding("dev!/v2.mp4", SHA["c"], "video/mp4", "A", flags=["deleted"]),
        finding("dev!/doc.bin", SHA["d"], "application/octet-stream", "C"),
        finding("dev!/u1.jpg", SHA["e"], "image/jpeg"),
        finding("dev!/u2.jpg", SHA["e"], "image/jpeg"),  # the same unknown picture twice
        finding("dev!/u.mp4", SHA["f"], "video/mp4"),
    ]
    summary = build_summary(write(tmp_path, findings), [], 1.0, 0)
    a = summary["matched_by_category"]["A"]
    assert a == {
        "files": 6,
        "distinct": 3,
        "still": {"files": 4, "distinct": 2},
        "moving": {"files": 2, "distinct": 1},
        "other": {"files": 0, "distinct": 0},
        "deleted_files": 2,
    }
    c = summary["matched_by_category"]["C"]
    assert (c["files"], c["distinct"], c["other"], c["still"]["files"]) == (
        1, 1, {"files": 1, "distinct": 1}, 0,
    )  # fmt: skip
    assert summary["matched_by_category"]["B"]["files"] == 0
    assert summary["matched_files_by_category"]["A"] == a["files"]  # the older field agrees
    assert (summary["unknown_images"], summary["unknown_videos"]) == (2, 1)
    assert summary["unknown_distinct"] == {"images": 1, "videos": 1}


def test_a_file_without_digests_counts_alone(tmp_path: Path) -> None:
    bare = [finding(f"dev!/{n}.jpg", SHA["a"], "image/jpeg", "B") for n in (1, 2)]
    for item in bare:
        item["signals"] = {}
    summary = build_summary(write(tmp_path, bare), [], 1.0, 0)
    assert summary["matched_by_category"]["B"]["distinct"] == 2


def test_report_shows_distinct_and_moving_counts(tmp_path: Path) -> None:
    findings = [
        finding("dev!/a.jpg", SHA["a"], "image/jpeg", "A"),
        finding("dev!/again.jpg", SHA["a"], "image/jpeg", "A"),
        finding("dev!/v.mp4", SHA["c"], "video/mp4", "A"),
    ]
    path = write(tmp_path, findings)
    summary = build_summary(path, [], 1.0, 0)
    write_reports(tmp_path, summary, path)
    html = (tmp_path / "report.html").read_text()
    row = re.search(r'<tr><td class="cat-A">A</td>(.*?)</tr>', html, re.DOTALL)
    assert row is not None
    cells = re.findall(r'<td class="num">([^<]*)</td>', row.group(1))
    # files, distinct, still files, still distinct, moving files, moving distinct, other x2,
    # deleted
    assert cells == ["3", "2", "2", "1", "1", "1", "0", "0", "0"]

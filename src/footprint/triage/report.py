"""summary.json and report.html, both computed from findings.jsonl so a resumed scan reports
exactly what an uninterrupted one would."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from footprint import __version__
from footprint.hashsets.model import SEVERITY, most_serious
from footprint.signals.kinds import KINDS
from footprint.signals.media import is_video
from footprint.triage.outputs import REPORT, SUMMARY, iter_findings

REPORT_TABLE_LIMIT = 5_000


def file_category(finding: dict[str, Any]) -> str | None:
    """The most serious category of the file's known matches; None when no known set matched
    it (a match of an ignore set alone, NSRL or the negative bank, clears it)."""
    known = (m["category"] for m in finding.get("matches", []) if not m.get("ignore"))
    worst = most_serious(known)
    return str(worst) if worst else None


def content_key(finding: dict[str, Any]) -> str:
    """What makes two files one picture: the same MD5 (the key of VICS sets and of a device's
    rows in the case, so the report and the case file count alike); a finding with no digest
    stands alone."""
    digest = (finding.get("signals") or {}).get("md5")
    return f"md5:{str(digest).lower()}" if digest else f"path:{finding['path']}"


def form_of(finding: dict[str, Any]) -> str:
    """still (an image), moving (a video) or other: charges count still and moving images apart."""
    media_type = finding.get("media_type") or ""
    if media_type.startswith("image/"):
        return "still"
    return "moving" if is_video(media_type) else "other"


FORMS = ("still", "moving", "other")


@dataclass
class CategoryTally:
    """One category's matched files as a charging file counts them: files and distinct
    contents (a picture saved three times, or inside an archive too, is one image), still and
    moving apart, and how many of the files were deleted."""

    files: Counter[str] = field(default_factory=Counter)  # form -> files
    contents: dict[str, set[str]] = field(default_factory=lambda: {form: set() for form in FORMS})
    deleted: int = 0

    def add(self, finding: dict[str, Any]) -> None:
        form = form_of(finding)
        self.files[form] += 1
        self.contents[form].add(content_key(finding))
        self.deleted += "deleted" in (finding.get("flags") or [])

    def as_dict(self) -> dict[str, Any]:
        forms = {f: {"files": self.files[f], "distinct": len(self.contents[f])} for f in FORMS}
        return {
            "files": sum(self.files.values()),
            "distinct": len(set().union(*self.contents.values())),
            **forms,
            "deleted_files": self.deleted,
        }


def build_summary(
    findings_path: Path, sets: list[dict[str, Any]], elapsed: float, links_not_followed: int
) -> dict[str, Any]:
    per_category: Counter[str] = Counter()
    tallies = {str(c): CategoryTally() for c in SEVERITY}
    unknown: dict[str, set[str]] = {"still": set(), "moving": set()}
    match_kinds: Counter[str] = Counter()
    error_codes: Counter[str] = Counter()
    files = size = images = unknown_images = unknown_videos = suppressed = 0
    flagged: Counter[str] = Counter()
    evidence: list[dict[str, Any]] = []
    for finding in iter_findings(findings_path):
        files += 1
        flagged.update(finding.get("flags") or [])
        if finding.get("container"):
            evidence.append(_evidence_entry(finding))
        size += finding.get("size") or 0
        is_image = (finding.get("media_type") or "").startswith("image/")
        images += is_image
        if finding.get("error"):
            error_codes[finding["error"]["code"]] += 1
        category = file_category(finding)
        if category:
            per_category[category] += 1
            tallies[category].add(finding)
            match_kinds.update({m["kind"] for m in finding["matches"]})
        elif is_image and not finding.get("error"):
            unknown_images += 1
            unknown["still"].add(content_key(finding))
        elif is_video(finding.get("media_type") or "") and not finding.get("error"):
            unknown_videos += 1  # for grading, like an unknown image
            unknown["moving"].add(content_key(finding))
        suppressed += bool(finding.get("suppressed_matches"))
    return {
        "files": files,
        "bytes": size,
        "images": images,
        "errors": sum(error_codes.values()),
        "errors_by_code": dict(sorted(error_codes.items())),
        "matched_files": sum(per_category.values()),
        "matched_files_by_category": {str(c): per_category.get(c, 0) for c in SEVERITY},
        "matched_by_category": {c: t.as_dict() for c, t in tallies.items()},
        "matched_files_by_kind": dict(sorted(match_kinds.items())),
        "unknown_images": unknown_images,
        "unknown_videos": unknown_videos,
        "unknown_distinct": {"images": len(unknown["still"]), "videos": len(unknown["moving"])},
        "suppressed_by_ignore_sets": suppressed,
        "symlinks_not_followed": links_not_followed,
        "files_flagged": dict(sorted(flagged.items())),
        "evidence": evidence,
        "elapsed_seconds": round(elapsed, 3),
        "sets": sets,
        "footprint_version": __version__,
    }


def _evidence_entry(finding: dict[str, Any]) -> dict[str, Any]:
    """A disk image or archive that was opened: its own digests as read, and what it says of
    itself checked (an E01's acquisition hash: verified true or false)."""
    entry = {"path": finding["path"], "container": finding["container"], "size": finding["size"]}
    signals = finding.get("signals") or {}
    entry["digests"] = {k: v for k, v in signals.items() if k in KINDS and KINDS.get(k).exact}
    entry.update(finding.get("evidence") or {})
    return entry


def _report_rows(findings_path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """Matched files and unknown images first (what an examiner reviews), then the rest."""
    errors: list[dict[str, Any]] = []
    ranked: list[tuple[int, str, dict[str, Any]]] = []
    total = 0
    for finding in iter_findings(findings_path):
        total += 1
        if finding.get("error"):
            errors.append(finding)
        category = file_category(finding)
        finding["category"] = category
        is_image = (finding.get("media_type") or "").startswith("image/")
        # matches by severity, then unknown images, then everything else
        rank = SEVERITY.index(category) if category else len(SEVERITY) + (not is_image)
        ranked.append((rank, finding["path"], finding))
        if len(ranked) > REPORT_TABLE_LIMIT * 2:
            ranked.sort(key=lambda r: (r[0], r[1]))
            del ranked[REPORT_TABLE_LIMIT:]
    ranked.sort(key=lambda r: (r[0], r[1]))
    return [r[2] for r in ranked[:REPORT_TABLE_LIMIT]], errors, total


def write_reports(out_dir: Path, summary: dict[str, Any], findings_path: Path) -> None:
    (out_dir / SUMMARY).write_text(json.dumps(summary, indent=2) + "\n")
    rows, errors, total = _report_rows(findings_path)
    env = Environment(
        loader=PackageLoader("footprint.triage", "templates"),
        autoescape=select_autoescape(["html"]),
    )
    html = env.get_template(REPORT).render(
        summary=summary, rows=rows, errors=errors, total=total, limit=REPORT_TABLE_LIMIT
    )
    (out_dir / REPORT).write_text(html, encoding="utf-8")

"""What a scan leaves in its output folder, and the shape of one finding: the one place that
names these files and fields (the scan writes them; reviews, device records and cases read them).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from footprint.evidence import EvidenceFile, Locator
from footprint.signals.kinds import label_of

FINDINGS = "findings.jsonl"  # one finding per line, appended as files finish
MANIFEST = "scan.json"  # the plan, elapsed time and whether the scan completed
SUMMARY = "summary.json"  # counts computed from the findings
REPORT = "report.html"


@dataclass(frozen=True, slots=True)
class ScanOutputs:
    folder: Path

    @property
    def findings(self) -> Path:
        return self.folder / FINDINGS

    @property
    def manifest(self) -> Path:
        return self.folder / MANIFEST

    @property
    def summary(self) -> Path:
        return self.folder / SUMMARY

    @property
    def report(self) -> Path:
        return self.folder / REPORT

    def complete(self) -> bool:
        """Whether a scan finished here (a resumable one that stopped has complete: false)."""
        if not self.manifest.is_file():
            return False
        return bool(json.loads(self.manifest.read_text()).get("complete"))


def empty_finding(item: EvidenceFile | None, path: str, size: int) -> dict[str, Any]:
    """A finding before any signal: `signals` holds (kind -> value) for every kind computed,
    `signal_details` what a kind adds (PDQ: quality and which decode made it), `flags` what
    the evidence says of the file (deleted), `container` the source that opened it, if any."""
    finding: dict[str, Any] = {
        "path": path,
        "locator": item.locator.as_dict() if item else None,
        "flags": list(item.flags) if item else [],
        "size": size,
        "media_type": None,
        "signals": {},
        "signal_details": {},
        "error": None,
        "matches": [],
    }
    if item is not None and item.container:
        finding["container"] = item.container
    return finding


def signals_of(finding: dict[str, Any]) -> dict[str, str]:
    """A finding's signals; scans written before signals were pairs kept a field per kind."""
    if "signals" in finding:
        return dict(finding["signals"])
    old = ("md5", "sha1", "sha256", "pdq")
    return {kind: finding[kind] for kind in old if finding.get(kind)}


def signal_rows(finding: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(label, value, details) for each of a finding's signals, as a page shows them."""
    details = finding.get("signal_details") or {}
    if "signals" not in finding and finding.get("quality") is not None:
        details = {"pdq": {"quality": finding["quality"]}}  # an older scan's finding
    return [(label_of(k), v, details.get(k, {})) for k, v in signals_of(finding).items()]


def locator_of(finding: dict[str, Any]) -> Locator:
    """Where the finding's bytes are; an older scan's findings were all files in folders."""
    if finding.get("locator"):
        return Locator.from_dict(finding["locator"])
    return Locator("folder", finding["path"])


def iter_findings(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                yield json.loads(line)

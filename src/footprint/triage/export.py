"""A finished scan's files as hash-set records, for a review tool (Griffeye and the other
VICS-reading tools) or the national database: one record per distinct content (MD5, the key of
VICS), with every place the scan found it (`MediaFiles`: path in the evidence, file name,
deleted or not), its category from the scan's matches (none: uncategorised, for the graders),
its signals, size and type, and the matches that gave the category.

Copies are grouped in two passes over `findings.jsonl`: the first keeps only where each line
starts, per content, so memory follows the number of contents, not what the findings hold.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import IO, Any

from footprint.errors import Invalid
from footprint.hashsets.formats import ExportContext, hashset_format
from footprint.hashsets.model import KnownHash, UnifiedCategory, most_serious
from footprint.hashsets.schemes import ExportScheme
from footprint.signals.media import is_video
from footprint.triage.outputs import FINDINGS, ScanOutputs, signals_of
from footprint.triage.report import file_category


class ExportError(Invalid):
    """An export that cannot start: the message says what to change."""


class Included(StrEnum):
    MATCHED = "matched"  # files a known set matched
    MEDIA = "media"  # every image and video (matched, and unknown for grading): a review's load
    ALL = "all"  # every file with digests


@dataclass(frozen=True, slots=True)
class ExportCounts:
    records: int  # distinct contents written
    files: int  # files they stand for


# (phase, done, total): "reading" over the findings' bytes, then "writing" over the records
ExportProgress = Callable[[str, int, int], None]
PROGRESS_EVERY = 1_000  # lines or records between two calls


def export_scan(
    scan_dir: Path,
    out: IO[str],
    fmt: str = "vics",
    shape: str = "case",
    include: Included = Included.MEDIA,
    case_number: str | None = None,
    progress: ExportProgress | None = None,
    uk_codes: Mapping[int, UnifiedCategory] | None = None,
) -> ExportCounts:
    """Write the scan's contents in a writable hash-set format (VICS 2.0 as a case, by default).
    With the deployment's VICS UK codes (`uk_category_codes`), categories go out as those codes
    under the UK scheme, as a UK review tool reads them (a category without a code as null);
    without them, as footprint's own names."""
    writer = hashset_format(fmt)
    if not writer.writable:
        raise ExportError(f"format: {fmt!r} is read-only")
    findings = _finished(scan_dir)
    tell = progress or (lambda phase, done, total: None)
    places = _places(findings, include, tell)
    name = case_number or scan_dir.resolve().name
    case = {"CaseNumber": name, "SourceApplicationName": "footprint"}
    scheme = ExportScheme.of(uk_codes)
    context = ExportContext(name, len(places), {"cases": [case]}, {scheme.name}, shape)
    written = writer.write(_records(findings, places, tell, scheme), out, context)
    return ExportCounts(written, sum(len(offsets) for offsets in places.values()))


def _finished(scan_dir: Path) -> Path:
    outputs = ScanOutputs(scan_dir)
    if not outputs.findings.is_file() or not outputs.manifest.is_file():
        raise ExportError(f"scan_dir {scan_dir}: not a footprint scan output (no findings)")
    if not outputs.complete():
        raise ExportError(f"scan_dir {scan_dir}: the scan has not finished; resume it first")
    return outputs.findings


def _wanted(finding: dict[str, Any], include: Included) -> bool:
    if finding.get("error") or not signals_of(finding).get("md5"):
        return False  # nothing to key it on (an unreadable or undecodable file)
    if include is Included.ALL or file_category(finding) is not None:
        return True
    media_type = finding.get("media_type") or ""
    return include is Included.MEDIA and (media_type.startswith("image/") or is_video(media_type))


def _places(findings: Path, include: Included, tell: ExportProgress) -> dict[str, list[int]]:
    """Per content (MD5), where its findings' lines start, in the order first seen. A line
    that is not a finding as the scan writes it stops the export, naming the line: the file
    was changed after the scan, and nothing half-read goes out."""
    places: dict[str, list[int]] = {}
    total = findings.stat().st_size
    with findings.open("rb") as stream:
        offset = 0
        for number, line in enumerate(stream, start=1):
            if line.strip():
                finding = _finding(line, number)
                if _wanted(finding, include):
                    places.setdefault(signals_of(finding)["md5"], []).append(offset)
            offset += len(line)
            if number % PROGRESS_EVERY == 0:
                tell("reading", offset, total)
    tell("reading", total, total)
    return places


_MD5 = re.compile("[0-9a-fA-F]{32}")
# the fields a record is made of, as the scan writes them (null allowed)
_SHAPES: dict[str, tuple[type, ...]] = {"media_type": (str,), "flags": (list,), "size": (int,)}


def _finding(line: bytes, number: int) -> dict[str, Any]:
    try:
        finding = json.loads(line)
        if not isinstance(finding, dict) or not isinstance(finding.get("path"), str):
            raise ValueError("no path")
        signals = signals_of(finding)
        if not all(isinstance(v, str) for v in signals.values()):
            raise ValueError("signals are not text")
        if signals.get("md5") and not _MD5.fullmatch(signals["md5"]):
            raise ValueError(f"md5 {signals['md5'][:40]!r} is not 32 hex digits")
        file_category(finding)  # its matches as the scan writes them
        for name, kinds in _SHAPES.items():
            if finding.get(name) is not None and not isinstance(finding[name], kinds):
                raise ValueError(f"{name} is not {kinds[0].__name__}")
        if not all(isinstance(flag, str) for flag in finding.get("flags") or []):
            raise ValueError("flags are not text")
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ExportError(
            f"{FINDINGS} line {number}: not a finding as a scan writes it ({exc})"
        ) from None
    return finding


def _records(
    findings: Path, places: dict[str, list[int]], tell: ExportProgress, scheme: ExportScheme
) -> Iterator[KnownHash]:
    with findings.open("rb") as stream:
        for number, offsets in enumerate(places.values(), start=1):
            copies = []
            for offset in offsets:
                stream.seek(offset)
                copies.append(json.loads(stream.readline()))
            yield _record(number, copies, scheme)
            if number % PROGRESS_EVERY == 0:
                tell("writing", number, len(places))
    tell("writing", len(places), len(places))


def _record(number: int, copies: list[dict[str, Any]], scheme: ExportScheme) -> KnownHash:
    """One content: its signals and matches from the first copy (the same bytes give the same),
    its category the most serious of the copies', every copy a media file."""
    first = copies[0]
    category = most_serious(c for c in map(file_category, copies) if c is not None)
    return KnownHash(
        record_id=str(number),
        signals=signals_of(first),
        source_scheme=scheme.name,
        source_category=scheme.source_category(category),
        category=category or UnifiedCategory.UNCATEGORISED,
        extra={
            "MediaSize": first.get("size"),
            "MimeType": first.get("media_type"),
            "MediaFiles": [_media_file(c) for c in copies],
            "footprint:Matches": first.get("matches") or [],
        },
    )


def _media_file(finding: dict[str, Any]) -> dict[str, Any]:
    path = finding["path"]
    return {
        "MD5": signals_of(finding)["md5"].upper(),
        "FileName": PurePosixPath(path.rsplit("!/", 1)[-1]).name,
        "FilePath": path,
        "Deleted": "deleted" in (finding.get("flags") or []),
    }

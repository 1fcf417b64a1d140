"""Reading a finished scan's findings for review: filtered, a page at a time, and a file's
thumbnail — greyscale and blurred unless the examiner asks to reveal it — for the roles allowed
to see imagery (decided by the caller; this module only draws)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePath
from typing import Any

from PIL import Image, ImageFilter, ImageOps

from footprint.evidence import EvidenceError, Locator, open_locator
from footprint.hashsets.model import SEVERITY
from footprint.signals.pdq import DEFAULT_PIXEL_LIMIT
from footprint.triage.outputs import FINDINGS, iter_findings
from footprint.triage.report import file_category

THUMBNAIL_PIXELS = 160  # longest side
BLUR_RADIUS = 9  # enough that nothing can be made out at thumbnail size


class Shown(StrEnum):
    """Which findings a review table lists."""

    MATCHED = "matched"  # matched a known set (most serious first is the report's order)
    UNKNOWN_IMAGES = "unknown-images"  # images and videos no set knows: for grading
    ERRORS = "errors"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class FindingRow:
    index: int  # line number in findings.jsonl, 0-based: the finding's stable address
    path: str
    size: int | None
    media_type: str | None
    category: str | None
    match_kinds: list[str]
    match_sets: list[str]
    error: str | None


def _wanted(finding: dict[str, Any], shown: Shown, category: str | None, text: str) -> bool:
    found = file_category(finding)
    if category and found != category:
        return False
    if text and text.lower() not in finding["path"].lower():
        return False
    media = finding.get("media_type") or ""
    gradable = media.startswith(("image/", "video/"))  # what a person grades when no set knows it
    return {
        Shown.MATCHED: found is not None,
        Shown.UNKNOWN_IMAGES: found is None and gradable and not finding.get("error"),
        Shown.ERRORS: bool(finding.get("error")),
        Shown.ALL: True,
    }[shown]


def _row(index: int, finding: dict[str, Any]) -> FindingRow:
    matches = finding.get("matches") or []
    return FindingRow(
        index,
        finding["path"],
        finding.get("size"),
        finding.get("media_type"),
        file_category(finding),
        sorted({m["kind"] for m in matches}),
        sorted({m["set"] for m in matches}),
        finding["error"]["code"] if finding.get("error") else None,
    )


def select_findings(
    scan_dir: Path,
    shown: Shown = Shown.MATCHED,
    category: str | None = None,
    text: str = "",
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[FindingRow], int]:
    """One page of the findings that pass the filters, in scan order, and how many pass."""
    if category and category not in SEVERITY:
        raise ValueError(f"category: {category!r} is not one of {', '.join(SEVERITY)}")
    rows: list[FindingRow] = []
    total = 0
    for index, finding in enumerate(iter_findings(scan_dir / FINDINGS)):
        if _wanted(finding, shown, category, text):
            if offset <= total < offset + limit:
                rows.append(_row(index, finding))
            total += 1
    return rows, total


def finding_at(scan_dir: Path, index: int) -> dict[str, Any]:
    for number, finding in enumerate(iter_findings(scan_dir / FINDINGS)):
        if number == index:
            return finding
    raise LookupError(f"finding {index}: not in this scan")


def thumbnail(locator: Locator, reveal: bool, pixel_limit: int = DEFAULT_PIXEL_LIMIT) -> bytes:
    """A small greyscale PNG of an image file, blurred unless revealed; read-only, through the
    evidence resolver (a file in a folder, a disk image or an archive alike)."""
    name = PurePath(locator.path).name
    try:
        with open_locator(locator) as stream, Image.open(stream) as image:
            if image.width * image.height > pixel_limit:
                raise ValueError(f"{name}: too many pixels to draw safely")
            image.draft("L", (THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))  # JPEG: decode small
            small = ImageOps.exif_transpose(image).convert("L")
            small.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
    except (FileNotFoundError, EvidenceError):
        raise LookupError("the evidence file is not available on this server") from None
    except (OSError, Image.DecompressionBombError) as exc:
        raise ValueError(f"{name}: cannot be drawn ({exc})") from None
    if not reveal:
        small = small.filter(ImageFilter.GaussianBlur(BLUR_RADIUS))
    out = io.BytesIO()
    small.save(out, "PNG")
    return out.getvalue()

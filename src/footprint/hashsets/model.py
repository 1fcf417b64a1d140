"""Known-hash records, unified categories and the per-file import report."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class UnifiedCategory(StrEnum):
    """One scheme that every source scheme maps into (see docs/formats.md)."""

    A = "A"
    B = "B"
    C = "C"
    INDECENT_UNCATEGORISED = "indecent-uncategorised"
    NON_PERTINENT = "non-pertinent"
    UNCATEGORISED = "uncategorised"


class SetKind(StrEnum):
    KNOWN = "known"  # known material: a match is a hit
    IGNORE = "ignore"  # NSRL, confirmed false positives: a match suppresses hits


HEX_RE = re.compile(r"^[0-9a-fA-F]+$")
DIGEST_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64, "pdq": 64}


class RecordError(ValueError):
    """A record that cannot be imported: names the field and the reason."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason

    def __reduce__(self) -> tuple[type[RecordError], tuple[str, str]]:
        return RecordError, (self.field, self.reason)  # to cross to and from a worker process


def normalise_hex(value: object, field_name: str) -> str | None:
    """Lower-case hex digest, or None when absent; RecordError when malformed."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(field_name, f"expected a hex string, got {type(value).__name__}")
    text = value.strip()
    if not text:
        return None
    length = DIGEST_LENGTHS[field_name]
    if len(text) != length or not HEX_RE.match(text):
        raise RecordError(field_name, f"expected {length} hex digits, got {text[:80]!r}")
    return text.lower()


def parse_flag(value: object, field_name: str) -> bool | None:
    """VICS booleans: real booleans, or the strings real files write ("true", "False", "1")."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "yes", "y", "1"):
            return True
        if text in ("false", "no", "n", "0"):
            return False
        if text in ("", "null", "none"):
            return None
    raise RecordError(field_name, f"expected true or false, got {value!r}")


@dataclass(frozen=True, slots=True)
class GradingVote:
    grader: str
    category: UnifiedCategory
    voted_at: str | None = None


@dataclass(slots=True)
class KnownHash:
    """One record of a known-hash set. PhotoDNA is stored as given and never computed."""

    record_id: str | None = None
    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    pdq: str | None = None
    photodna: str | None = None
    source_scheme: str | None = None
    source_category: str | None = None
    category: UnifiedCategory = UnifiedCategory.UNCATEGORISED
    victim_identified: bool | None = None
    offender_identified: bool | None = None
    distributed: bool | None = None
    series: str | None = None
    date_updated: str | None = None
    votes: list[GradingVote] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # source fields kept for round trip

    def has_any_hash(self) -> bool:
        return any((self.md5, self.sha1, self.sha256, self.pdq, self.photodna))


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    record: int  # 1-based record number (or line number for CSV and lists)
    field: str
    reason: str


@dataclass(slots=True)
class ImportReport:
    source: str
    format: str
    imported: int = 0
    merged: int = 0
    skipped: list[SkippedRecord] = field(default_factory=list)
    warnings: list[SkippedRecord] = field(default_factory=list)
    categories: Counter[str] = field(default_factory=Counter)
    header: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # the whole file failed (nothing from it was kept)

    def skip(self, record: int, field_name: str, reason: str) -> None:
        self.skipped.append(SkippedRecord(record, field_name, reason))

    def warn(self, record: int, field_name: str, reason: str) -> None:
        self.warnings.append(SkippedRecord(record, field_name, reason))

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "imported": self.imported,
            "merged": self.merged,
            "skipped": [vars_of(s) for s in self.skipped],
            "warnings": [vars_of(w) for w in self.warnings],
            "categories": dict(self.categories),
            "header": self.header,
            "error": self.error,
        }


def vars_of(item: SkippedRecord) -> dict[str, Any]:
    return {"record": item.record, "field": item.field, "reason": item.reason}

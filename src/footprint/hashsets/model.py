"""Known-hash records, unified categories and the per-file import report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from footprint.errors import RecordError, SkippedRecord
from footprint.signals.kinds import NamedSignals, SignalValueError, signal_kind


class UnifiedCategory(StrEnum):
    """One scheme that every source scheme maps into (see docs/formats.md)."""

    A = "A"
    B = "B"
    C = "C"
    INDECENT_UNCATEGORISED = "indecent-uncategorised"
    AGE_DIFFICULT = "age-difficult"  # indecent if a child's, but the age cannot be told
    NON_PERTINENT = "non-pertinent"
    UNCATEGORISED = "uncategorised"


U = UnifiedCategory
# Most serious first: a file matched in several sets counts once, under its worst grade; the
# order of every table, chart and report of categories.
SEVERITY: tuple[UnifiedCategory, ...] = (
    U.A,
    U.B,
    U.C,
    U.INDECENT_UNCATEGORISED,
    U.AGE_DIFFICULT,
    U.UNCATEGORISED,
    U.NON_PERTINENT,
)
CHARGING_CATEGORIES: tuple[UnifiedCategory, ...] = (U.A, U.B, U.C)  # the Sentencing Council's


def most_serious(categories: Iterable[str]) -> UnifiedCategory | None:
    """The worst of the categories given (None when none is known)."""
    found = set(categories)
    return next((c for c in SEVERITY if c in found), None)


class SetKind(StrEnum):
    KNOWN = "known"  # known material: a match is a hit
    IGNORE = "ignore"  # NSRL, confirmed false positives: a match suppresses hits


def normalise_signal(value: object, kind: str, field_name: str | None = None) -> str | None:
    """A signal value in its kind's stored form, or None when absent; RecordError naming the
    field (the kind's name unless the format calls it otherwise) when malformed."""
    if value is None:
        return None
    name = field_name or kind
    if not isinstance(value, str):
        raise RecordError(name, f"expected a hex string, got {type(value).__name__}")
    if not value.strip():
        return None
    try:
        return signal_kind(kind).validate(value)
    except SignalValueError as exc:
        raise RecordError(name, str(exc)) from None


normalise_hex = normalise_signal  # the digest kinds and PDQ are hex


def present(values: dict[str, str | None]) -> dict[str, str]:
    """Signals from a reader's columns, the absent ones left out."""
    return {kind: value for kind, value in values.items() if value}


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
class KnownHash(NamedSignals):
    """One record of a known-hash set. PhotoDNA is stored as given and never computed."""

    record_id: str | None = None
    signals: dict[str, str] = field(default_factory=dict)  # kind -> value (md5, pdq, ...)
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
        return bool(self.signals) or bool(self.photodna)


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
    version: int | None = None  # the set's version after the import (unchanged: nothing new)
    removed: int = 0  # records the file withdrew (NCMEC's deleted entries)
    removals: list[str] = field(default_factory=list, repr=False)  # their record ids, to remove

    def skip(self, record: int, field_name: str, reason: str) -> None:
        self.skipped.append(SkippedRecord(record, field_name, reason))

    def warn(self, record: int, field_name: str, reason: str) -> None:
        self.warnings.append(SkippedRecord(record, field_name, reason))

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self) | {"categories": dict(self.categories)}
        found.pop("removals")  # the count says it; a withdrawal list may run to thousands
        return found

"""Exchange formats of known-hash sets, and the registry that holds them.

A format knows how to recognise a file from its first bytes (never from its name), how to read
its records and, where it can, how to write them. The import service, the CLI and the pages ask
this registry, so a new format (CyberTipline, say) is one module that calls
`register_hashset_format`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, ClassVar

from footprint.hashsets.model import ImportReport, KnownHash, SetKind, UnifiedCategory
from footprint.hashsets.schemes import CategoryMapper, Scheme
from footprint.registry import Registry
from footprint.signals import DEFAULT_PDQ_RADIUS

SNIFF_BYTES = 4096


@dataclass
class ImportOptions:
    scheme: str | None = None  # a category scheme or a format name; None: decide from content
    kind: SetKind | None = None  # None: what the format implies (NSRL: ignore), known otherwise
    pdq_radius: int = DEFAULT_PDQ_RADIUS
    uk_codes: dict[int, UnifiedCategory] = field(default_factory=dict)
    # scheme -> code -> category: codes outside a scheme, mapped by the deployment
    category_codes: dict[str, dict[str, UnifiedCategory]] = field(default_factory=dict)
    list_category: UnifiedCategory = UnifiedCategory.UNCATEGORISED  # for bare PDQ lists
    video_match_percent: int | None = None  # share of a video's frames that must match (vPDQ)

    @property
    def category_scheme(self) -> Scheme | None:
        return Scheme(self.scheme) if self.scheme in set(Scheme) else None

    def mapper(self, scheme: Scheme) -> CategoryMapper:
        """Maps a scheme's codes, with the deployment's codes for those it does not define."""
        return CategoryMapper(scheme, self.uk_codes, self.category_codes.get(str(scheme)))


@dataclass(frozen=True, slots=True)
class ExportContext:
    """What a writer may want besides the records: the set's name, size and metadata."""

    set_name: str
    records: int
    meta: dict[str, Any]
    source_schemes: set[str | None]
    shape: str = "hashset"
    version: int = 0


class HashSetFormat(ABC):
    name: ClassVar[str]
    description: ClassVar[str] = ""
    implied_kind: ClassVar[SetKind] = SetKind.KNOWN  # NSRL's files make ignore sets
    fallback: ClassVar[bool] = False  # read whatever no other format claims (plain CSV)
    writable: ClassVar[bool] = False

    @abstractmethod
    def sniff(self, head: bytes) -> bool:
        """Whether the file's first bytes are this format's."""

    @abstractmethod
    def read(self, path: Path, report: ImportReport, options: ImportOptions) -> Iterator[KnownHash]:
        """The file's records; bad ones are skipped into `report` naming record, field, reason;
        a file that cannot be read at all raises RecordError (or ValueError, OSError)."""

    def write(self, records: Iterable[KnownHash], out: IO[str], context: ExportContext) -> int:
        """Write records; returns how many. Only for formats that are `writable`."""
        raise NotImplementedError(f"{self.name} is read-only")


FORMATS: Registry[HashSetFormat] = Registry("format", lambda fmt: fmt.name)
register_hashset_format = FORMATS.register
unregister_hashset_format = FORMATS.unregister


def hashset_format(name: str) -> HashSetFormat:
    try:
        return FORMATS.get(name)
    except LookupError as exc:
        raise ValueError(str(exc)) from None  # a bad --format is bad input


def hashset_formats() -> list[HashSetFormat]:
    return list(FORMATS)


def detect_format(path: Path) -> HashSetFormat:
    """The format a file's content declares: each format's sniff in the order registered, the
    fallback last."""
    with path.open("rb") as stream:
        head = stream.read(SNIFF_BYTES)
    formats = hashset_formats()
    for fmt in formats:
        if not fmt.fallback and fmt.sniff(head):
            return fmt
    return next(f for f in formats if f.fallback)


def scheme_choices() -> tuple[str, ...]:
    """--scheme as users say it: a category scheme (vics, dhs, uk) or a format that implies one."""
    schemes = tuple(str(s) for s in Scheme)
    return schemes + tuple(f.name for f in hashset_formats() if f.name not in schemes)


def chosen_format(path: Path, options: ImportOptions) -> HashSetFormat:
    """The format a --scheme names, else the one the content declares."""
    named = FORMATS.find(options.scheme or "")
    if named is not None and options.scheme not in set(Scheme):
        return named
    return detect_format(path)


# The formats read from the start register themselves; imported last, as they use this module.
import footprint.hashsets.builtin_formats  # noqa: E402, F401

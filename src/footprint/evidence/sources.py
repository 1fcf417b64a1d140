"""Where bytes come from: a locator for every place, sources that walk evidence into locators,
and one resolver that opens any locator read-only (the shape of dfVFS's path specs).

A folder is the first source; a disk image or an archive is another module that registers a
source: the scan, thumbnails and device reviews only ever call `walk_evidence` and
`open_locator`, and never learn which source a file came from.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from footprint.registry import Registry


class EvidenceError(LookupError):
    """A locator that no source can open: unknown source, or the bytes are not there."""


@dataclass(frozen=True, slots=True)
class Locator:
    """Where one file's bytes are: the source that reads them, the place within it, and the
    container it lies in (an archive found inside a disk image has the image as its parent)."""

    source: str
    path: str
    parent: Locator | None = None

    def display(self) -> str:
        """A path a person reads: the container's path, then the place within it."""
        if self.parent is None:
            return self.path
        return f"{self.parent.display()}/{self.path.lstrip('/')}"

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"source": self.source, "path": self.path}
        if self.parent is not None:
            found["parent"] = self.parent.as_dict()
        return found

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Locator:
        parent = data.get("parent")
        return cls(
            str(data["source"]), str(data["path"]), cls.from_dict(parent) if parent else None
        )


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    path: str  # what a person reads (the locator's display path)
    size: int
    locator: Locator


@dataclass(frozen=True, slots=True)
class WalkProblem:
    path: str
    code: str  # unreadable | not_found | symlink | special, or a source's own
    message: str


Walked = Iterator[EvidenceFile | WalkProblem]


class EvidenceSource(ABC):
    """One kind of place bytes come from."""

    name: ClassVar[str]

    @abstractmethod
    def claims(self, root: Path) -> bool:
        """Whether this source reads the evidence at `root` (from its content, not its name)."""

    @abstractmethod
    def walk(self, root: Path) -> Walked:
        """Every file of the evidence, in a stable order, and the places that could not be read."""

    @abstractmethod
    def open(self, locator: Locator) -> BinaryIO:
        """The file's bytes, read-only; OSError when they cannot be read."""


SOURCES: Registry[EvidenceSource] = Registry("evidence source", lambda source: source.name)
FALLBACK = "folder"  # what reads a root that no other source claims
register_evidence_source = SOURCES.register


def unregister_evidence_source(name: str) -> None:
    if name != FALLBACK:  # the folder source always stays
        SOURCES.unregister(name)


def evidence_source(name: str) -> EvidenceSource:
    try:
        return SOURCES.get(name)
    except LookupError as exc:
        raise EvidenceError(str(exc)) from None


def source_for(root: Path) -> EvidenceSource:
    """The newest source that claims the root (a specific container before the folder)."""
    for source in reversed(list(SOURCES)):
        if source.name != FALLBACK and _claims(source, root):
            return source
    return evidence_source(FALLBACK)


def _claims(source: EvidenceSource, root: Path) -> bool:
    try:
        return source.claims(root)
    except OSError:  # unreadable: the folder source reports the root as a problem
        return False


def walk_evidence(roots: Sequence[Path]) -> Walked:
    """Every file of every root, each root read by the source that claims it; a file reached
    again through an overlapping root is not yielded twice (remembered only when there are
    several roots: one root's walk never repeats a file, and a device may hold millions)."""
    seen: set[Locator] | None = set() if len(roots) > 1 else None
    for root in roots:
        for item in source_for(root).walk(root):
            if seen is not None and isinstance(item, EvidenceFile):
                if item.locator in seen:
                    continue
                seen.add(item.locator)
            yield item


def open_locator(locator: Locator) -> BinaryIO:
    """The resolver: opens any locator read-only, through the source that made it."""
    return evidence_source(locator.source).open(locator)


def read_locator(locator: Locator, limit: int | None = None) -> bytes:
    """A file's bytes (at most `limit`), through the resolver."""
    with open_locator(locator) as stream:
        return stream.read() if limit is None else stream.read(limit)

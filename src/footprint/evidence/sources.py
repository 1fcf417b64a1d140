"""Where bytes come from: a locator for every place, sources that walk evidence into locators,
and one resolver that opens any locator read-only (the shape of dfVFS's path specs).

A folder is the first source. A disk image or an archive is a *container*: a source that
claims a file found in other evidence by its first bytes and walks what is inside it, so an
archive inside a disk image inside a folder is reached by the same walk. The scan, thumbnails
and device reviews only ever call `walk_evidence` and `open_locator`, and never learn which
source a file came from.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from footprint.registry import Registry


class EvidenceError(LookupError):
    """A locator that no source can open: unknown source, or the bytes are not there."""


# How deep containers may nest (an archive in an archive in a disk image ...): beyond it a
# container is hashed as a file and reported, never opened (a zip quine never ends).
MAX_NESTING = 8


@dataclass(frozen=True, slots=True)
class Locator:
    """Where one file's bytes are: the source that reads them, the place within it, the
    container it lies in (an archive found inside a disk image has the image as its parent),
    and what the source needs to find it again that the path does not say (a deleted file's
    inode: a name alone may be shared by several)."""

    source: str
    path: str
    parent: Locator | None = None
    ref: str = ""

    def display(self) -> str:
        """A path a person (and any forensic tool) reads: the container's path, `!`, then the
        place within it, e.g. `laptop.E01!/p2/Users/alice/x.jpg`."""
        if self.parent is None:
            return self.path
        return f"{self.parent.display()}!/{self.path.lstrip('/')}"

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"source": self.source, "path": self.path}
        if self.ref:
            found["ref"] = self.ref
        if self.parent is not None:
            found["parent"] = self.parent.as_dict()
        return found

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], depth: int = 0) -> Locator:
        """The locator a finding carries; EvidenceError when it is not one."""
        if not isinstance(data, Mapping) or depth > MAX_NESTING:
            raise EvidenceError("locator: not a mapping of source, path and parent")
        try:
            source, path = data["source"], data["path"]
        except KeyError as exc:
            raise EvidenceError(f"locator: missing {exc.args[0]!r}") from None
        ref, parent = data.get("ref", ""), data.get("parent")
        if not all(isinstance(v, str) for v in (source, path, ref)):
            raise EvidenceError("locator: source, path and ref must be text")
        return cls(source, path, cls.from_dict(parent, depth + 1) if parent else None, ref)


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    path: str  # what a person reads (the locator's display path)
    size: int
    locator: Locator
    flags: tuple[str, ...] = ()  # e.g. deleted: what an examiner must know about the file
    container: str | None = None  # the container source that opened it, if it is one


@dataclass(frozen=True, slots=True)
class WalkProblem:
    path: str
    code: str  # unreadable | not_found | symlink | special, or a source's own
    message: str


Walked = Iterator[EvidenceFile | WalkProblem]
DELETED_NO_CONTENT = "deleted_no_content"  # a deleted name the file system lists, its data gone


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


class ContainerSource(EvidenceSource):
    """A source whose evidence is a file found in other evidence: a disk image, an archive.

    It never claims a root by itself: the folder source yields the file, and the walk offers
    every file's first bytes to the containers, which open what they recognise."""

    head_bytes: ClassVar[int] = 4096  # how much of a file `recognises` needs to see

    def claims(self, root: Path) -> bool:
        return False

    def walk(self, root: Path) -> Walked:
        return iter(())

    @abstractmethod
    def recognises(self, item: EvidenceFile, head: bytes) -> bool:
        """Whether the file is this container (from its first bytes; may look further)."""

    @abstractmethod
    def walk_file(self, item: EvidenceFile) -> Walked:
        """Every file inside, each locator's parent the container's, and what could not be
        read; limits (an archive bomb) end the walk with a problem, never fill memory."""

    # What the container's readers raise, besides OSError, on damaged data or a member
    # reference edited in a findings file: `open` turns them into OSError, as the resolver
    # promises every caller.
    damaged: ClassVar[tuple[type[Exception], ...]] = (ValueError,)

    def open(self, locator: Locator) -> BinaryIO:
        if locator.parent is None:
            raise OSError(f"{locator.display()}: a {self.name} member needs its container")
        try:
            return self.open_member(locator.parent, locator)
        except self.damaged as exc:
            raise OSError(f"{locator.display()}: damaged {self.name}: {exc!r}") from None

    @abstractmethod
    def open_member(self, container: Locator, locator: Locator) -> BinaryIO:
        """A member's bytes, read-only, from the container at `container`."""

    def verify(self, item: EvidenceFile) -> dict[str, Any] | None:
        """What the container says about its own integrity, checked (an E01's acquisition
        hash); None when it stores nothing to check."""
        return None


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


def containers() -> list[ContainerSource]:
    return [s for s in SOURCES if isinstance(s, ContainerSource)]


def walk_evidence(roots: Sequence[Path]) -> Walked:
    """Every file of every root, each root read by the source that claims it, and every file
    inside each container found (recursively); a file reached again through an overlapping
    root is not yielded twice (remembered only when there are several roots: one root's walk
    never repeats a file, and a device may hold millions)."""
    seen: set[Locator] | None = set() if len(roots) > 1 else None
    for root in roots:
        for item in source_for(root).walk(root):
            if seen is not None and isinstance(item, EvidenceFile):
                if item.locator in seen:
                    continue
                seen.add(item.locator)
            if isinstance(item, EvidenceFile):
                yield from _with_contents(item, 0)
            else:
                yield item


def _with_contents(item: EvidenceFile, depth: int) -> Walked:
    """The file itself (marked with the container that recognised it), then what it holds."""
    container = container_for(item)
    if container is None:
        yield item
        return
    yield replace(item, container=container.name)
    if depth >= MAX_NESTING:
        yield WalkProblem(item.path, "nesting_limit", f"containers nested over {MAX_NESTING} deep")
        return
    try:
        for inner in container.walk_file(item):
            if isinstance(inner, EvidenceFile):
                yield from _with_contents(inner, depth + 1)
            else:
                yield inner
    except Exception as exc:  # a hostile container never stops the walk of a seized device:
        # what was listed stands, and the break is reported
        yield WalkProblem(item.path, "unreadable", f"{container.name}: {exc!r}")


def container_for(item: EvidenceFile) -> ContainerSource | None:
    """The container source that recognises the file, if any (the newest first)."""
    found = containers()
    if not found or item.size == 0:
        return None
    try:
        head = read_locator(item.locator, max(c.head_bytes for c in found))
    except OSError:
        return None  # the scan reports the unreadable file itself
    for container in reversed(found):
        try:
            if container.recognises(item, head):
                return container
        except (OSError, ValueError):
            continue  # looked like one and was not: the file is scanned as a file
    return None


def open_locator(locator: Locator) -> BinaryIO:
    """The resolver: opens any locator read-only, through the source that made it."""
    return evidence_source(locator.source).open(locator)


def file_stamp(locator: Locator) -> tuple[int, ...]:
    """What tells one version of the evidence file under a locator from the next (same name,
    other content): for a cache of opened containers keyed by locator."""
    while locator.parent is not None:
        locator = locator.parent
    if locator.source != FALLBACK:
        return ()
    info = os.stat(locator.path)
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def read_locator(locator: Locator, limit: int | None = None) -> bytes:
    """A file's bytes (at most `limit`), through the resolver."""
    with open_locator(locator) as stream:
        return stream.read() if limit is None else stream.read(limit)

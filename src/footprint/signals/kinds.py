"""Kinds of signal, and the registry that holds them.

A kind is one object that knows its name, how to validate a value, how to compute one from a
file's content, how far apart two values are and how to index many of them (the shape of
python-threatexchange's `SignalType`). The hash-set store, findings and the matcher carry signals
as (kind, value) pairs and ask this registry what a kind means, so a new kind (video, say) is one
module that calls `register_signal_kind` — no schema change, no edit across the tree.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, Protocol, TypeVar

from footprint.registry import Registry
from footprint.signals.digests import FileDigests
from footprint.signals.pdq import ImageOptions

HEX_RE = re.compile(r"^[0-9a-fA-F]+$")


class SignalValueError(ValueError):
    """A value that is not a valid signal of its kind; the message says why."""


@dataclass(frozen=True, slots=True)
class Content:
    """One file as the scan read it, shared by every kind: one read, many signals."""

    data: bytes | None  # None when the file is too large to hold in memory
    media_type: str
    digests: FileDigests
    image_options: ImageOptions = field(default_factory=ImageOptions)
    source: Callable[[], BinaryIO] | None = None  # the file again, streamed (a large video)
    video_seconds: float = 1.0  # video kinds hash one frame per this many seconds


@dataclass(frozen=True, slots=True)
class Computed:
    """A kind's signal of one file: the value stored and shown, what is matched (PDQ also
    tries other orientations), and details worth keeping (PDQ's quality and decode path)."""

    value: str
    queries: tuple[str, ...] | None = None  # None: the value itself; empty: match nothing
    detail: dict[str, Any] = field(default_factory=dict)

    def to_match(self) -> list[str]:
        return [self.value] if self.queries is None else list(self.queries)


class SignalIndex(Protocol):
    def query(self, value: str, threshold: int) -> list[tuple[int, int]]:
        """Every (row id, distance) within the threshold, nearest first."""
        ...


IndexRows = Callable[[], tuple[list[int], list[bytes]]]  # (row ids, stored values), on demand


class NamedSignals:
    """Read-only views, by the names every exchange format uses, of a record's `signals`
    (kind -> value): for known-hash records and referral files alike."""

    __slots__ = ()
    signals: dict[str, str]

    @property
    def md5(self) -> str | None:
        return self.signals.get("md5")

    @property
    def sha1(self) -> str | None:
        return self.signals.get("sha1")

    @property
    def sha256(self) -> str | None:
        return self.signals.get("sha256")

    @property
    def pdq(self) -> str | None:
        return self.signals.get("pdq")


class SignalKind(ABC):
    """One kind of signal. Exact kinds are looked up by value; the others through an index."""

    name: ClassVar[str]
    label: ClassVar[str] = ""  # as people write it (SHA-1); the name in capitals by default
    exact: ClassVar[bool] = True
    default_threshold: ClassVar[int] = 0  # the distance a set matches within, unless it says

    @abstractmethod
    def validate(self, value: str) -> str:
        """The value in its one stored form; SignalValueError naming the reason otherwise."""

    @abstractmethod
    def compute(self, content: Content) -> Computed | None:
        """This kind's signal of a file, or None when the kind does not apply to it."""

    def distance(self, a: str, b: str) -> int:
        return 0 if a == b else 1

    def encode(self, value: str) -> bytes:
        """How a value is stored (hex digests as bytes: half the size)."""
        return bytes.fromhex(value)

    def decode(self, stored: bytes) -> str:
        return stored.hex()

    def open_index(self, rows: IndexRows, folder: Path, stem: str) -> SignalIndex:
        """The index of one set version; `folder`/`stem` name where a kind may keep it saved
        (PDQ does, so opening is a memory map). By default: compared one by one, in memory."""
        ids, values = rows()
        return ComparedIndex(self, ids, [self.decode(v) for v in values])


class ComparedIndex:
    """Brute force over a kind's own distance: the index a new kind gets for nothing."""

    def __init__(self, kind: SignalKind, ids: Sequence[int], values: Sequence[str]) -> None:
        self.kind, self.ids, self.values = kind, list(ids), list(values)

    def query(self, value: str, threshold: int) -> list[tuple[int, int]]:
        hits = [
            (i, self.kind.distance(value, v)) for i, v in zip(self.ids, self.values, strict=True)
        ]
        return sorted(((i, d) for i, d in hits if d <= threshold), key=lambda h: (h[1], h[0]))


class HexDigestKind(SignalKind):
    """A cryptographic digest of the whole file: exact, from the one streamed read."""

    digits: ClassVar[int]

    def validate(self, value: str) -> str:
        text = value.strip()
        if len(text) != self.digits or not HEX_RE.match(text):
            raise SignalValueError(f"expected {self.digits} hex digits, got {text[:80]!r}")
        return text.lower()

    def compute(self, content: Content) -> Computed | None:
        return Computed(getattr(content.digests, self.name))


class Md5(HexDigestKind):
    name, label, digits = "md5", "MD5", 32


class Sha1(HexDigestKind):
    name, label, digits = "sha1", "SHA-1", 40


class Sha256(HexDigestKind):
    name, label, digits = "sha256", "SHA-256", 64


KINDS: Registry[SignalKind] = Registry("signal kind", lambda kind: kind.name)
Kind = TypeVar("Kind", bound=SignalKind)


def register_signal_kind(kind: Kind) -> Kind:
    """Add a kind (or replace one of the same name); returns it, for use as a one-liner. Its
    name is stored with every value (24 characters at most)."""
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,23}", kind.name):
        raise ValueError(f"signal kind name {kind.name!r}: lower-case letters, digits, - or _")
    KINDS.register(kind)
    return kind


unregister_signal_kind = KINDS.unregister


def signal_kind(name: str) -> SignalKind:
    try:
        return KINDS.get(name)
    except LookupError as exc:
        raise SignalValueError(str(exc)) from None


def label_of(kind: str) -> str:
    found = KINDS.find(kind)
    return (found.label if found else "") or kind.upper()


def signal_kinds() -> Iterator[SignalKind]:
    """Every kind, in the order registered: digests, then PDQ, then any added."""
    return iter(KINDS)


def registered_kind(name: str) -> str | None:
    """The name, if a kind of that name is registered (a format's own label for it aside)."""
    return name if name in KINDS else None


for _kind in (Md5(), Sha1(), Sha256()):
    register_signal_kind(_kind)

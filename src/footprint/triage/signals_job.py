"""The work one process does for one file: read it once, digest it, sniff it, hash images."""

from __future__ import annotations

from collections import OrderedDict
from copy import deepcopy
from dataclasses import dataclass, replace
from functools import cache, lru_cache, partial
from typing import Any

import numpy as np

from footprint.evidence import EvidenceFile, evidence_source, open_locator, read_locator
from footprint.evidence.sources import ContainerSource
from footprint.signals import (
    Computed,
    Content,
    DecodePath,
    FileDigests,
    ImageOptions,
    Orientation,
    SignalError,
    SignalKind,
    digest_bytes,
    signal_kinds,
    sniff_media_type,
)
from footprint.signals.digests import digest_stream
from footprint.signals.errors import ErrorCode
from footprint.signals.media import SNIFF_BYTES
from footprint.signals.pdq import DEFAULT_PIXEL_LIMIT, DRIFT_MARGIN, SCAN_DECODE, NearKnown
from footprint.signals.pdq_index import IndexTables, PdqIndex
from footprint.signals.video import SECONDS_PER_HASH
from footprint.triage.outputs import empty_finding

# Files up to this size are read once into memory for digests and decoding together; larger
# ones are digested streaming and, being far larger than any still image, not decoded.
IN_MEMORY_LIMIT = 256 * 1024 * 1024
# How many near-known answers a worker keeps (a hash and the scan's sets: about 200 bytes each).
NEAR_ANSWERS_KEPT = 16_384


@dataclass(frozen=True, slots=True)
class KnownPdq:
    """A hash set's PDQ index as saved beside the store (memory-mapped by each worker) and its
    radius: what the fast path's safeguard looks near."""

    tables: tuple[tuple[str, str], ...]  # (table name, .npy path)
    radius: int


@dataclass(frozen=True, slots=True)
class SignalOptions:
    decode: DecodePath = SCAN_DECODE
    orientation: Orientation = Orientation.STORED
    dihedral: bool = False
    pixel_limit: int = DEFAULT_PIXEL_LIMIT
    known_pdq: tuple[KnownPdq, ...] = ()  # the scan's sets, for the fast path's safeguard
    safeguard: bool = True  # off only in benchmarks, to measure what it costs and saves
    reuse_contents: bool = True  # off only in benchmarks: each copy of a content decoded again
    plugins: tuple[str, ...] = ()  # modules each worker imports first (kinds, sources they add)
    video_seconds: float = SECONDS_PER_HASH  # one video frame hashed per this many seconds


@cache
def _indexes(known: tuple[KnownPdq, ...]) -> list[tuple[PdqIndex, int]]:
    """Each set's index, opened once per worker process (a memory map: cheap, shared)."""
    opened = []
    for item in known:
        tables = IndexTables.load(item.tables)
        if len(tables.ids):
            opened.append((PdqIndex.from_tables(tables), item.radius))
    return opened


def near_known(options: SignalOptions) -> NearKnown | None:
    """Whether a hash is within a set's radius plus the drift margin of one of its hashes."""
    if not options.known_pdq:
        return None
    return partial(_is_near, options.known_pdq)


@lru_cache(maxsize=NEAR_ANSWERS_KEPT)
def _is_near(known: tuple[KnownPdq, ...], hex_hash: str) -> bool:
    """Kept per worker: at radius + 32 each set's index compares every hash (about 10 ms for
    10 M), and seized media hold the same picture many times over."""
    query = np.frombuffer(bytes.fromhex(hex_hash), dtype=np.uint8)
    return any(index.query(query, radius + DRIFT_MARGIN) for index, radius in _indexes(known))


def image_options(options: SignalOptions) -> ImageOptions:
    return ImageOptions(
        decode=options.decode,
        orientation=options.orientation,
        dihedral=options.dihedral,
        pixel_limit=options.pixel_limit,
        near_known=near_known(options),
        safeguard=options.safeguard,
    )


def _read(item: EvidenceFile) -> tuple[FileDigests, bytes, bytes | None]:
    """Digests, the first bytes and (unless too large) the whole content, through the resolver."""
    if item.size > IN_MEMORY_LIMIT:
        with open_locator(item.locator) as stream:
            digests = digest_stream(stream)
        return digests, read_locator(item.locator, SNIFF_BYTES), None
    data = read_locator(item.locator)
    return digest_bytes(data), data[:SNIFF_BYTES], data


def signals_for_file(item: EvidenceFile, options: SignalOptions) -> dict[str, Any]:
    """A finding without matches: every registered kind's signal of the file. Every failure
    becomes an `error`, never an exception (`_query` holds what to match; it is not written)."""
    finding = empty_finding(item, item.path, item.size)
    try:
        digests, head, data = _read(item)
    except OSError as exc:
        finding["error"] = {"code": str(ErrorCode.UNREADABLE), "message": exc.strerror or str(exc)}
        return finding
    finding["size"] = digests.size
    media_type = sniff_media_type(head)
    finding["media_type"] = media_type
    if digests.size == 0:
        finding["error"] = {"code": str(ErrorCode.EMPTY), "message": "file is empty (0 bytes)"}
    content = Content(
        data,
        media_type,
        digests,
        image_options(options),
        lambda: open_locator(item.locator),
        options.video_seconds,
    )
    queries: dict[str, list[str]] = {}
    kinds = list(signal_kinds())
    _record(finding, queries, _signals_of(content, [k for k in kinds if k.exact]))
    if digests.size:  # an empty file has digests (worth matching) and nothing else
        worked_out = _content_signals(options, digests, content, [k for k in kinds if not k.exact])
        _record(finding, queries, worked_out)
    finding["_query"] = queries
    if item.container:
        finding["evidence"] = _verified(item)
    return finding


@dataclass(frozen=True, slots=True)
class Worked:
    """What some kinds made of one content: values, details, what to match, and the error
    one of them met (the last, as the finding keeps one)."""

    signals: dict[str, str]
    details: dict[str, dict[str, Any]]
    queries: dict[str, list[str]]
    error: dict[str, Any] | None


def _signals_of(content: Content, kinds: list[SignalKind]) -> Worked:
    worked = Worked({}, {}, {}, None)
    failure: dict[str, Any] = {}
    for kind in kinds:
        computed = _compute(kind, content, failure)
        if computed is not None:
            worked.signals[kind.name] = computed.value
            if computed.detail:
                worked.details[kind.name] = computed.detail
            worked.queries[kind.name] = computed.to_match()
    return replace(worked, error=failure.get("error"))


def _record(finding: dict[str, Any], queries: dict[str, list[str]], worked: Worked) -> None:
    finding["signals"].update(worked.signals)
    finding["signal_details"].update(worked.details)
    queries.update(worked.queries)
    if worked.error is not None:
        finding["error"] = worked.error


# A seized device holds the same picture many times over (copies, backups, caches): a worker
# decodes and hashes each content once and keeps the answer for the files that repeat it.
CONTENTS_KEPT = 4096
CONTENT_KEPT_BYTES = 16 * 1024  # a long video's frame hashes are worked out again, not kept
_kept: OrderedDict[tuple[SignalOptions, str, int], Worked] = OrderedDict()


def _content_signals(
    options: SignalOptions, digests: FileDigests, content: Content, kinds: list[SignalKind]
) -> Worked:
    if not options.reuse_contents:
        return _signals_of(content, kinds)
    key = (options, digests.sha256, digests.size)
    if key in _kept:
        _kept.move_to_end(key)
        return deepcopy(_kept[key])  # the finding's to change
    worked = _signals_of(content, kinds)
    if len(repr(worked)) <= CONTENT_KEPT_BYTES:
        _kept[key] = deepcopy(worked)
        if len(_kept) > CONTENTS_KEPT:
            _kept.popitem(last=False)
    return worked


def _verified(item: EvidenceFile) -> dict[str, Any]:
    """What a container says of itself (format, volumes, an E01's acquisition hash checked)."""
    source = evidence_source(item.container or "")
    try:
        return (source.verify(item) if isinstance(source, ContainerSource) else None) or {}
    except (OSError, ValueError) as exc:
        return {"error": f"cannot verify: {exc}"}


def _compute(kind: SignalKind, content: Content, finding: dict[str, Any]) -> Computed | None:
    """The kind's signal; a failure is put in `finding["error"]` and gives None."""
    try:
        return kind.compute(content)
    except SignalError as exc:
        finding["error"] = exc.as_dict()
    except Exception as exc:  # a decoder bug must not stop a scan of a seized device
        finding["error"] = {"code": str(ErrorCode.CORRUPT), "message": f"decoder failed: {exc!r}"}
    return None

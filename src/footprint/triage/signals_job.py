"""The work one process does for one file: read it once, digest it, sniff it, hash images."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from footprint.matching.pdq_index import IndexTables, PdqIndex
from footprint.signals import (
    DecodePath,
    Orientation,
    SignalError,
    digest_bytes,
    digest_file,
    hash_image,
    sniff_media_type,
)
from footprint.signals.errors import ErrorCode
from footprint.signals.media import SNIFF_BYTES, is_image
from footprint.signals.pdq import DEFAULT_PIXEL_LIMIT, DRIFT_MARGIN, NearKnown

# Files up to this size are read once into memory for digests and decoding together; larger
# ones are digested streaming and, being far larger than any still image, not decoded.
IN_MEMORY_LIMIT = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class KnownPdq:
    """A hash set's PDQ index as saved beside the store (memory-mapped by each worker) and its
    radius: what the fast path's safeguard looks near."""

    tables: tuple[tuple[str, str], ...]  # (table name, .npy path)
    radius: int


@dataclass(frozen=True, slots=True)
class SignalOptions:
    decode: DecodePath = DecodePath.FAST
    orientation: Orientation = Orientation.STORED
    dihedral: bool = False
    pixel_limit: int = DEFAULT_PIXEL_LIMIT
    known_pdq: tuple[KnownPdq, ...] = ()  # the scan's sets, for the fast path's safeguard
    safeguard: bool = True  # off only in benchmarks, to measure what it costs and saves


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
    indexes = _indexes(options.known_pdq)

    def near(hex_hash: str) -> bool:
        query = np.frombuffer(bytes.fromhex(hex_hash), dtype=np.uint8)
        return any(index.query(query, radius + DRIFT_MARGIN) for index, radius in indexes)

    return near


def empty_finding(path: str, size: int) -> dict[str, Any]:
    return {
        "path": path,
        "size": size,
        "md5": None,
        "sha1": None,
        "sha256": None,
        "media_type": None,
        "pdq": None,
        "quality": None,
        "pdq_path": None,  # which decode made the PDQ: exact, fast, exact-drift or exact-near
        "error": None,
        "matches": [],
    }


def signals_for_file(path: str, size: int, options: SignalOptions) -> dict[str, Any]:
    """A finding without matches; every failure becomes an `error`, never an exception."""
    finding = empty_finding(path, size)
    try:
        if size > IN_MEMORY_LIMIT:
            digests = digest_file(Path(path))
            with open(path, "rb") as stream:
                head = stream.read(SNIFF_BYTES)
            data = None
        else:
            with open(path, "rb") as stream:
                data = stream.read()
            digests, head = digest_bytes(data), data[:SNIFF_BYTES]
    except OSError as exc:
        finding["error"] = {"code": str(ErrorCode.UNREADABLE), "message": exc.strerror or str(exc)}
        return finding
    finding.update(size=digests.size, md5=digests.md5, sha1=digests.sha1, sha256=digests.sha256)
    media_type = sniff_media_type(head)
    finding["media_type"] = media_type
    if digests.size == 0:
        finding["error"] = {"code": str(ErrorCode.EMPTY), "message": "file is empty (0 bytes)"}
    elif data is not None and is_image(media_type):
        _add_image_signals(finding, data, options)
    return finding


def _add_image_signals(finding: dict[str, Any], data: bytes, options: SignalOptions) -> None:
    try:
        signals = hash_image(
            data,
            decode=options.decode,
            orientation=options.orientation,
            dihedral=options.dihedral,
            pixel_limit=options.pixel_limit,
            near_known=near_known(options),
            safeguard=options.safeguard,
        )
    except SignalError as exc:
        finding["error"] = exc.as_dict()
        return
    except Exception as exc:  # a decoder bug must not stop a scan of a seized device
        finding["error"] = {"code": str(ErrorCode.CORRUPT), "message": f"decoder failed: {exc!r}"}
        return
    finding["pdq"] = signals.pdq.hex
    finding["quality"] = signals.pdq.quality
    finding["pdq_path"] = str(signals.path)
    finding["_query_pdq"] = signals.query_hashes()

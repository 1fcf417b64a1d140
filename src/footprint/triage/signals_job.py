"""The work one process does for one file: read it once, digest it, sniff it, hash images."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from footprint.signals.pdq import DEFAULT_PIXEL_LIMIT

# Files up to this size are read once into memory for digests and decoding together; larger
# ones are digested streaming and, being far larger than any still image, not decoded.
IN_MEMORY_LIMIT = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class SignalOptions:
    decode: DecodePath = DecodePath.FAST
    orientation: Orientation = Orientation.STORED
    dihedral: bool = False
    pixel_limit: int = DEFAULT_PIXEL_LIMIT


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
        )
    except SignalError as exc:
        finding["error"] = exc.as_dict()
        return
    except Exception as exc:  # a decoder bug must not stop a scan of a seized device
        finding["error"] = {"code": str(ErrorCode.CORRUPT), "message": f"decoder failed: {exc!r}"}
        return
    finding["pdq"] = signals.pdq.hex
    finding["quality"] = signals.pdq.quality
    finding["_query_pdq"] = signals.query_hashes()

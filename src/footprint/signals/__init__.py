"""Content to signals: the registry of signal kinds (digests, PDQ, vPDQ for video, and any
added), media type.

This layer imports nothing else from footprint.
"""

from footprint.signals.digests import FileDigests, digest_bytes, digest_file
from footprint.signals.errors import SignalError
from footprint.signals.kinds import (
    Computed,
    Content,
    SignalIndex,
    SignalKind,
    SignalValueError,
    register_signal_kind,
    registered_kind,
    signal_kind,
    signal_kinds,
    unregister_signal_kind,
)
from footprint.signals.media import sniff_media_type
from footprint.signals.pdq import (
    DecodePath,
    ImageOptions,
    ImageSignals,
    Orientation,
    PdqHash,
    hamming_distance,
    hash_image,
)
from footprint.signals.pdq_kind import DEFAULT_PDQ_RADIUS, PDQ, PdqKind
from footprint.signals.video import VPDQ, VpdqKind

__all__ = [
    "DEFAULT_PDQ_RADIUS",
    "PDQ",
    "VPDQ",
    "Computed",
    "Content",
    "DecodePath",
    "FileDigests",
    "ImageOptions",
    "ImageSignals",
    "Orientation",
    "PdqHash",
    "PdqKind",
    "SignalError",
    "SignalIndex",
    "SignalKind",
    "SignalValueError",
    "VpdqKind",
    "digest_bytes",
    "digest_file",
    "hamming_distance",
    "hash_image",
    "register_signal_kind",
    "registered_kind",
    "signal_kind",
    "signal_kinds",
    "sniff_media_type",
    "unregister_signal_kind",
]

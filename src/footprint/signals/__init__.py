"""Content to signals: cryptographic digests, media type and PDQ perceptual hashes.

This layer imports nothing else from footprint.
"""

from footprint.signals.digests import FileDigests, digest_bytes, digest_file
from footprint.signals.errors import SignalError
from footprint.signals.media import sniff_media_type
from footprint.signals.pdq import (
    DecodePath,
    ImageSignals,
    Orientation,
    PdqHash,
    hamming_distance,
    hash_image,
)

__all__ = [
    "DecodePath",
    "FileDigests",
    "ImageSignals",
    "Orientation",
    "PdqHash",
    "SignalError",
    "digest_bytes",
    "digest_file",
    "hamming_distance",
    "hash_image",
    "sniff_media_type",
]

"""Media type from content (magic bytes), never from the file name."""

from __future__ import annotations

OCTET_STREAM = "application/octet-stream"

# ISO base media file brands (the `ftyp` box) that mean a still image.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_VIDEO_BRANDS = {
    b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"M4V ", b"M4VP", b"qt  ",
    b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"dash", b"avc1", b"mp71", b"f4v ", b"MSNV", b"XAVC",
}  # fmt: skip

IMAGE_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/bmp",
        "image/tiff",
        "image/webp",
        "image/heic",
        "image/avif",
    }
)

SNIFF_BYTES = 64


def _sniff_iso_bmff(head: bytes) -> str | None:
    if len(head) < 12 or head[4:8] != b"ftyp":
        return None
    brands = {head[8:12]} | {head[i : i + 4] for i in range(16, min(len(head), 48), 4)}
    if brands & _HEIF_BRANDS:
        return "image/heic"
    if brands & _AVIF_BRANDS:
        return "image/avif"
    if head[8:12] == b"qt  ":
        return "video/quicktime"
    if brands & _VIDEO_BRANDS:
        return "video/mp4"
    return None


def sniff_media_type(head: bytes) -> str:
    """Return the MIME type that the first bytes of a file declare."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head.startswith(b"BM") and len(head) >= 14:
        return "image/bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/x-matroska"
    if head.startswith(b"FLV\x01"):
        return "video/x-flv"
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return "video/x-ms-asf"  # WMV
    if head.startswith((b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3")):
        return "video/mpeg"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    return _sniff_iso_bmff(head) or OCTET_STREAM


def is_image(media_type: str) -> bool:
    return media_type in IMAGE_TYPES


def is_video(media_type: str) -> bool:
    return media_type.startswith("video/")

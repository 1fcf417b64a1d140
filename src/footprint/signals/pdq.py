"""PDQ perceptual hashes through Meta's C++ implementation (the `pdqhash` binding).

The reference pipeline, which known-hash sets are built with, is: Pillow full-resolution decode,
``convert("RGB")``, no EXIF transpose, then PDQ. The *exact* decode path is that pipeline bit for
bit. The *fast* path lets libjpeg decode a JPEG at 1/2, 1/4 or 1/8 scale (DCT scaling), and
box-reduces any other large image by an integer factor, while the shorter side stays at least
``FAST_MIN_SIDE`` pixels; PDQ downsamples to 64x64 anyway, so the hash moves by a few bits at most
(measured in docs/performance.md).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pdqhash
import pillow_heif
from PIL import Image, UnidentifiedImageError

from footprint.signals.errors import ErrorCode, SignalError

pillow_heif.register_heif_opener()
# footprint enforces its own, configurable pixel limit (see `pixel_limit`), so Pillow's global
# guard is switched off rather than left to fire at a different threshold.
Image.MAX_IMAGE_PIXELS = None

PDQ_BITS = 256
PDQ_HEX_DIGITS = 64
MIN_MATCH_QUALITY = 50
DEFAULT_PIXEL_LIMIT = 178_956_970  # Pillow's own default bomb threshold (2 x 89,478,485)
FAST_MIN_SIDE = 512
EXIF_ORIENTATION_TAG = 0x0112


T = Image.Transpose
# EXIF orientation -> the transpose that shows the image as a viewer displays it.
_TRANSPOSE = {
    2: T.FLIP_LEFT_RIGHT,
    3: T.ROTATE_180,
    4: T.FLIP_TOP_BOTTOM,
    5: T.TRANSPOSE,
    6: T.ROTATE_270,
    7: T.TRANSVERSE,
    8: T.ROTATE_90,
}


class DecodePath(StrEnum):
    EXACT = "exact"
    FAST = "fast"


class Orientation(StrEnum):
    STORED = "stored"  # hash pixels as stored: what hash sets were built from
    BOTH = "both"  # also hash the displayed (EXIF-rotated) orientation and match on either


@dataclass(frozen=True, slots=True)
class PdqHash:
    hex: str
    quality: int

    @property
    def matchable(self) -> bool:
        return self.quality >= MIN_MATCH_QUALITY


@dataclass(frozen=True, slots=True)
class ImageSignals:
    pdq: PdqHash
    width: int
    height: int
    displayed: PdqHash | None = None  # set when Orientation.BOTH and EXIF rotates the image
    dihedral: tuple[str, ...] = field(default=())  # the 8 rotations/flips, original first

    def query_hashes(self) -> list[str]:
        """Every hash worth looking up for this image, most faithful first, without repeats."""
        if not self.pdq.matchable:
            return []
        hashes = [self.pdq.hex]
        if self.displayed is not None and self.displayed.matchable:
            hashes.append(self.displayed.hex)
        hashes.extend(self.dihedral)
        return list(dict.fromkeys(hashes))


def bits_to_hex(bits: np.ndarray) -> str:
    return np.packbits(bits.astype(np.uint8)).tobytes().hex()


def hamming_distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def normalise_to_rgb(image: Image.Image) -> Image.Image:
    """Every Pillow mode to RGB, as the reference pipeline does.

    ``convert("RGB")`` applies the palette (P, PA), converts CMYK/YCbCr/LAB/HSV colour properly and
    drops alpha; a few exotic modes (La, RGBa, I;16B) cannot convert directly and go via a mode
    that can.
    """
    if image.mode == "RGB":
        return image
    try:
        return image.convert("RGB")
    except ValueError:
        pass
    for via in ("RGBA", "I", "L"):
        try:
            return image.convert(via).convert("RGB")
        except ValueError:
            continue
    raise SignalError(ErrorCode.UNSUPPORTED, f"image mode {image.mode} cannot be converted to RGB")


def pdq_of_image(image: Image.Image) -> PdqHash:
    bits, quality = pdqhash.compute(np.asarray(normalise_to_rgb(image)))
    return PdqHash(bits_to_hex(bits), int(quality))


# the 8 rotations and flips of the plane (the original first), as Pillow transposes
DIHEDRAL = (
    None,
    T.ROTATE_90,
    T.ROTATE_180,
    T.ROTATE_270,
    T.FLIP_LEFT_RIGHT,
    T.FLIP_TOP_BOTTOM,
    T.TRANSPOSE,
    T.TRANSVERSE,
)


def _dihedral_of(image: Image.Image) -> tuple[str, ...]:
    """The PDQ of each of the 8 rotations and flips of the image, each hashed from the turned
    pixels. pdqhash's compute_dihedral turns the hash's DCT instead, which is not the hash of
    the turned image: a square image turned 90 degrees was 34 to 42 bits from it (a miss at
    31), so 6 of 7 turns of a 256x256 image were never matched."""
    rgb = normalise_to_rgb(image)
    return tuple(pdq_of_image(rgb if t is None else rgb.transpose(t)).hex for t in DIHEDRAL)


def _open(data: bytes, pixel_limit: int) -> Image.Image:
    if not data:
        raise SignalError(ErrorCode.EMPTY, "file is empty (0 bytes)")
    try:
        image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError as exc:
        raise SignalError(ErrorCode.CORRUPT, f"not a decodable image: {exc}") from exc
    except Image.DecompressionBombError as exc:
        raise SignalError(ErrorCode.DECOMPRESSION_BOMB, str(exc)) from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise SignalError(ErrorCode.CORRUPT, f"bad image header: {exc}") from exc
    width, height = image.size
    if width * height > pixel_limit:
        raise SignalError(
            ErrorCode.DECOMPRESSION_BOMB,
            f"{width}x{height} = {width * height:,} pixels exceeds the limit of {pixel_limit:,}",
        )
    return image


def _apply_fast_decode(image: Image.Image) -> None:
    if image.format != "JPEG":
        return
    width, height = image.size
    scale = _power_of_two_scale(width, height)
    if scale > 1:
        image.draft("RGB", (width // scale, height // scale))


def _power_of_two_scale(width: int, height: int) -> int:
    """The largest of 1, 2, 4, 8 that keeps the shorter side at least FAST_MIN_SIDE.

    Powers of two only: odd factors (a 2048x1536 image reduced by 3) were measured to move the
    hash by 12 bits where factor 2 moved it by 4."""
    scale = 1
    while scale < 8 and min(width, height) // (scale * 2) >= FAST_MIN_SIDE:
        scale *= 2
    return scale


def _pre_shrink(image: Image.Image) -> Image.Image:
    scale = _power_of_two_scale(*image.size)
    return image.reduce(scale) if scale > 1 else image


def _load(image: Image.Image) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image.load()
    except OSError as exc:
        text = str(exc)
        code = ErrorCode.TRUNCATED if "truncated" in text or "broken" in text else ErrorCode.CORRUPT
        raise SignalError(code, f"image data cannot be decoded: {text}") from exc
    except (ValueError, SyntaxError, EOFError) as exc:
        raise SignalError(ErrorCode.CORRUPT, f"image data cannot be decoded: {exc}") from exc


def hash_image(
    data: bytes,
    *,
    decode: DecodePath = DecodePath.EXACT,
    orientation: Orientation = Orientation.STORED,
    dihedral: bool = False,
    pixel_limit: int = DEFAULT_PIXEL_LIMIT,
) -> ImageSignals:
    """PDQ signals of one encoded image (the first frame of an animation)."""
    image = _open(data, pixel_limit)
    width, height = image.size
    if decode is DecodePath.FAST:
        _apply_fast_decode(image)
    _load(image)
    exif_orientation = image.getexif().get(EXIF_ORIENTATION_TAG, 1)
    if decode is DecodePath.FAST:
        image = _pre_shrink(normalise_to_rgb(image))
    pdq = pdq_of_image(image)
    displayed = None
    if orientation is Orientation.BOTH and exif_orientation in _TRANSPOSE:
        displayed = pdq_of_image(image.transpose(_TRANSPOSE[exif_orientation]))
    dihedral_hashes = _dihedral_of(image) if dihedral and pdq.matchable else ()
    return ImageSignals(pdq, width, height, displayed, dihedral_hashes)

"""PDQ perceptual hashes, bit for bit Meta's C++ (`pdq_fast`, checked against `pdqhash`).

The reference pipeline, which known-hash sets are built with, is: Pillow full-resolution decode,
``convert("RGB")``, no EXIF transpose, then PDQ. The *exact* decode path is that pipeline bit for
bit. The *fast* path lets libjpeg decode a JPEG at 1/2, 1/4 or 1/8 scale (DCT scaling), and
box-reduces any other large image by an integer factor, while the shorter side stays at least
``FAST_MIN_SIDE`` pixels; PDQ downsamples to 64x64 anyway, so on ordinary images the hash moves
by a few bits at most. Content with fine detail near the pixel scale (texture, upscaled noise)
can move by far more, so the fast path checks itself and falls back to the exact one where a
match could be lost (`hash_image`; measured in docs/performance.md).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum

import imagecodecs
import numpy as np
import pillow_heif
import simplejpeg
from PIL import Image, UnidentifiedImageError

from footprint.signals.errors import ErrorCode, SignalError
from footprint.signals.pdq_fast import pdq_bits
from footprint.signals.reduce import reduce_rgb

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
# The fast path's safeguard (see hash_image). Content whose hash moves by more than STABLE_BITS
# when the reduced image is halved again is the kind that drifts (fine texture, upscaled noise:
# up to 122 bits between fast and exact on 12 MP JPEGs); a fast hash within a set's radius plus
# DRIFT_MARGIN of a known hash is checked on the exact path, since drift up to that margin could
# hide a match. Ordinary images: at most 22 bits when halved, at most 10 bits of drift.
STABLE_BITS = 12
DRIFT_MARGIN = 32


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


SCAN_DECODE = DecodePath.FAST  # what a scan decodes with unless told (hash sets: EXACT)


class PdqPath(StrEnum):
    """Which decode produced a finding's PDQ, and why the exact one when fast was asked."""

    EXACT = "exact"  # asked for, or the fast path would not have reduced the image
    FAST = "fast"
    EXACT_DRIFT = "exact-drift"  # content that drifts under reduction
    EXACT_NEAR = "exact-near"  # the fast hash was near a known hash: the exact one decides


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
    path: PdqPath = PdqPath.EXACT

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
    return pdq_of_rgb(np.asarray(normalise_to_rgb(image)))


def pdq_of_rgb(rgb: np.ndarray) -> PdqHash:
    bits, quality = pdq_bits(rgb)
    return PdqHash(bits_to_hex(bits), int(quality))


class _Picture:
    """A decoded picture in RGB: the array PDQ reads and the Pillow image that reductions and
    turns work on, each made from the other once, when first asked for (libjpeg-turbo gives a
    JPEG's array straight; Pillow gives its decodes as images)."""

    def __init__(self, image: Image.Image | None = None, rgb: np.ndarray | None = None) -> None:
        self._image, self._rgb = image, rgb

    def image(self) -> Image.Image:
        if self._image is None:
            assert self._rgb is not None  # one of the two is given
            self._image = Image.fromarray(self._rgb)
        return self._image

    def rgb(self) -> np.ndarray:
        if self._rgb is None:
            self._rgb = np.asarray(normalise_to_rgb(self.image()))
        return self._rgb


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


def _apply_fast_decode(image: Image.Image, scale: int) -> None:
    if image.format == "JPEG":
        width, height = image.size
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


def _decode(opened: Image.Image, data: bytes, scale: int, *, metadata: bool) -> _Picture:
    """The picture's pixels in RGB, at 1/scale (a power of two; 1: in full), by the quickest
    decoder that gives Pillow's own pixels: libjpeg-turbo through simplejpeg for a JPEG (the
    library Pillow decodes JPEGs with, at the scale Pillow's draft mode picks), libspng for a
    plain PNG, Pillow for everything else and for anything they refuse."""
    rgb = _jpeg_rgb(opened, data, scale)
    if rgb is None and not metadata:
        rgb = _png_rgb(opened, data)
        if rgb is not None and scale > 1:
            return _Picture(rgb=reduce_rgb(rgb, scale))  # as Pillow's reduce, without its copies
    if rgb is not None:
        return _Picture(rgb=rgb)
    if scale > 1:
        _apply_fast_decode(opened, scale)
    _load(opened)
    image = normalise_to_rgb(opened)
    return _Picture(image=_pre_shrink(image) if scale > 1 else image)


def _jpeg_rgb(opened: Image.Image, data: bytes, scale: int) -> np.ndarray | None:
    """A YCbCr or greyscale JPEG's pixels from libjpeg-turbo straight into an array, without
    Pillow's copies (0.3 MP: 0.95 against 1.18 ms here): the same pixels as Pillow's decode and
    ``convert("RGB")`` (tests/signals/test_jpeg_decode.py). None where Pillow should decode it:
    another format (an MPO too), CMYK, or any fault or warning, which Pillow then reports or
    decodes as it would have anyway (``strict``: libjpeg's warnings refuse the decode)."""
    if opened.format != "JPEG" or opened.mode not in ("RGB", "L"):
        return None
    width, height = opened.size
    try:
        rgb: np.ndarray = simplejpeg.decode_jpeg(
            data,
            colorspace="RGB",
            min_width=width // scale,
            min_height=height // scale,
            strict=True,
        )
    except ValueError:
        return None
    if rgb.shape != (-(-height // scale), -(-width // scale), 3):
        return None  # not the size Pillow's draft mode gives: Pillow decodes it
    return rgb


def _decoded(image: Image.Image, data: bytes, *, metadata: bool) -> Image.Image:
    """The image with its pixels decoded: by libspng for a plain PNG whose metadata is not
    wanted (0.3 MP: 3.5 ms against Pillow's 4.5 here), by Pillow otherwise. The pixels are the
    same; Pillow reads a PNG's EXIF only as it decodes, so a caller that needs it gets Pillow's."""
    rgb = None if metadata else _png_rgb(image, data)
    if rgb is not None:
        return Image.fromarray(rgb)
    _load(image)
    return image


def _png_rgb(opened: Image.Image, data: bytes) -> np.ndarray | None:
    """A plain PNG's pixels in RGB from libspng; None where Pillow should decode it (any other
    file, and any fault libspng finds: Pillow decodes it next, and names the fault if it finds
    one too)."""
    if not _is_plain_png(opened, data):
        return None
    try:
        return _rgb(imagecodecs.spng_decode(data))
    except (RuntimeError, ValueError):  # imagecodecs.SpngError is a RuntimeError
        return None


def _rgb(pixels: np.ndarray) -> np.ndarray:
    """libspng's grey, RGB or RGBA as Pillow's ``convert("RGB")`` gives them: grey repeated,
    alpha dropped."""
    if pixels.ndim == 2:
        return np.repeat(pixels[:, :, np.newaxis], 3, axis=2)
    return pixels if pixels.shape[2] == 3 else np.ascontiguousarray(pixels[:, :, :3])


PNG_PLAIN_COLOUR_TYPES = (0, 2, 6)  # grey, RGB, RGBA (libspng does not give grey + alpha)
# libspng's pixels are copied into a Pillow image, so both are held for a moment (1.75x
# Pillow's own peak); beyond this size Pillow decodes alone, as the pixel limit allows far more.
LIBSPNG_MAX_PIXELS = 50_000_000


def _is_plain_png(image: Image.Image, data: bytes) -> bool:
    """8-bit grey, RGB or RGBA, not interlaced, not animated (no acTL before the image data):
    the PNGs whose pixels libspng and Pillow's ``convert("RGB")`` give alike
    (tests/signals/test_png_decode.py). Palette, 16-bit and low-depth PNGs stay with Pillow,
    whose scaling of them the hash sets were built with. libspng checks the chunks' CRCs and the
    zlib stream's Adler-32 as Pillow does, so a damaged file fails in both."""
    if image.format != "PNG" or len(data) < 29 or data[12:16] != b"IHDR":
        return False
    if image.size[0] * image.size[1] > LIBSPNG_MAX_PIXELS:
        return False
    depth, colour, interlace = data[24], data[25], data[28]
    image_data = data.find(b"IDAT")
    return (
        depth == 8
        and colour in PNG_PLAIN_COLOUR_TYPES
        and interlace == 0
        and image_data > 0
        and b"acTL" not in data[:image_data]
    )


NearKnown = Callable[[str], bool]  # is this hash within a set's radius + DRIFT_MARGIN of one?


@dataclass(frozen=True, slots=True)
class ImageOptions:
    """How a scan hashes images (see `hash_image`)."""

    decode: DecodePath = DecodePath.EXACT
    orientation: Orientation = Orientation.STORED
    dihedral: bool = False
    pixel_limit: int = DEFAULT_PIXEL_LIMIT
    near_known: NearKnown | None = None
    safeguard: bool = True


def hash_image(
    data: bytes,
    *,
    decode: DecodePath = DecodePath.EXACT,
    orientation: Orientation = Orientation.STORED,
    dihedral: bool = False,
    pixel_limit: int = DEFAULT_PIXEL_LIMIT,
    near_known: NearKnown | None = None,
    safeguard: bool = True,
) -> ImageSignals:
    """PDQ signals of one encoded image (the first frame of an animation).

    The fast path never loses a match the exact path would make: when it reduced the image, the
    image is hashed on the exact path instead if its content drifts under reduction (its hash
    moves by more than STABLE_BITS when halved again) or if `near_known` says a fast hash is
    near a known one. `path` in the result says which decode produced the hashes. Without
    `safeguard` (for benchmarks alone: how the fast path used to lose matches) it trusts itself."""
    opened = _open(data, pixel_limit)
    width, height = opened.size
    scale = _power_of_two_scale(width, height) if decode is DecodePath.FAST else 1
    picture = _decode(opened, data, scale, metadata=orientation is Orientation.BOTH)
    pdq = pdq_of_rgb(picture.rgb())
    reduced = scale > 1
    if reduced and safeguard and _drifts(picture.rgb(), pdq):
        return _exact(data, orientation, dihedral, pixel_limit, PdqPath.EXACT_DRIFT)
    displayed = None
    if orientation is Orientation.BOTH:
        exif_orientation = opened.getexif().get(EXIF_ORIENTATION_TAG, 1)
        if exif_orientation in _TRANSPOSE:
            displayed = pdq_of_image(picture.image().transpose(_TRANSPOSE[exif_orientation]))
    dihedral_hashes = _dihedral_of(picture.image()) if dihedral and pdq.matchable else ()
    signals = ImageSignals(pdq, width, height, displayed, dihedral_hashes)
    if not reduced:
        return signals
    if safeguard and near_known and any(near_known(h) for h in _candidates(signals)):
        return _exact(data, orientation, dihedral, pixel_limit, PdqPath.EXACT_NEAR)
    return replace(signals, path=PdqPath.FAST)


def _drifts(reduced: np.ndarray, pdq: PdqHash) -> bool:
    """Whether the reduced picture's hash moves by more than STABLE_BITS when it is halved once
    more (as Pillow's ``reduce(2)`` halves it): the sign of content that drifts between the fast
    and the exact path."""
    if min(reduced.shape[:2]) < 2 * 64:
        return False
    return hamming_distance(pdq.hex, pdq_of_rgb(reduce_rgb(reduced, 2)).hex) > STABLE_BITS


def _candidates(signals: ImageSignals) -> list[str]:
    """The hashes a match could come through, whatever their quality: a drifting quality
    must not hide a near one."""
    found = [signals.pdq.hex, *signals.dihedral]
    if signals.displayed is not None:
        found.append(signals.displayed.hex)
    return found


def _exact(
    data: bytes, orientation: Orientation, dihedral: bool, pixel_limit: int, path: PdqPath
) -> ImageSignals:
    exact = hash_image(data, orientation=orientation, dihedral=dihedral, pixel_limit=pixel_limit)
    return replace(exact, path=path)

"""Plain PNGs are decoded by libspng: the same pixels as Pillow's, or Pillow decides.

The reference pipeline that hash sets are built with is Pillow's decode and ``convert("RGB")``.
These tests hold libspng's decode to it on every kind of PNG it is used for, with the ancillary
chunks real producers write (gamma, colour profile, transparency, text), and check that every
other PNG, and every broken one, is still Pillow's to decode and to report."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pdqhash
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from footprint.signals import SignalError, hash_image, pdq
from footprint.signals.errors import ErrorCode
from footprint.signals.pdq import _decoded, _is_plain_png, _open, bits_to_hex
from footprint.synthetic.images import benign_image

PLAIN_MODES = ("L", "RGB", "RGBA")


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def with_chunks_before_data(png: bytes, extra: bytes) -> bytes:
    """The PNG with `extra` chunks placed after IHDR (13 bytes of body: 8 + 8 + 13 + 4)."""
    after_ihdr = 8 + 8 + 13 + 4
    return png[:after_ihdr] + extra + png[after_ihdr:]


ANCILLARY = {
    "none": b"",
    "gamma 1/2.2": chunk(b"gAMA", struct.pack(">I", 45455)),
    "gamma 1.0": chunk(b"gAMA", struct.pack(">I", 100000)),
    "sRGB": chunk(b"sRGB", b"\x00"),
    "sBIT 5 bits": chunk(b"sBIT", b"\x05\x05\x05"),
    "text": chunk(b"tEXt", b"Software\x00a camera"),
    "pHYs": chunk(b"pHYs", struct.pack(">IIB", 2835, 2835, 1)),
}


def pillow_rgb(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


def reference_hash(data: bytes) -> str:
    bits, _quality = pdqhash.compute(pillow_rgb(data))
    return bits_to_hex(bits)


def png_of(pixels: np.ndarray, mode: str, level: int, **save: object) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode).save(buffer, "PNG", compress_level=level, **save)
    return buffer.getvalue()


def decoded_by_libspng(data: bytes) -> np.ndarray:
    image = _open(data, 10**8)
    assert _is_plain_png(image, data), "libspng was not used for a plain PNG"
    pixels = _decoded(image, data, metadata=False)
    assert pixels.mode == "RGB" and pixels.format is None  # made from libspng's array
    return np.asarray(pixels)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mode=st.sampled_from(PLAIN_MODES),
    width=st.integers(1, 48),
    height=st.integers(1, 48),
    seed=st.integers(0, 2**32 - 1),
    level=st.integers(0, 9),
    ancillary=st.sampled_from(sorted(ANCILLARY)),
)
def test_plain_png_pixels_equal_pillows(
    mode: str, width: int, height: int, seed: int, level: int, ancillary: str
) -> None:
    channels = len(mode)
    shape = (height, width) if channels == 1 else (height, width, channels)
    pixels = np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    data = with_chunks_before_data(png_of(pixels, mode, level), ANCILLARY[ancillary])
    assert np.array_equal(decoded_by_libspng(data), pillow_rgb(data))


@pytest.mark.parametrize("mode", PLAIN_MODES)
def test_plain_png_hashes_equal_meta_reference(mode: str) -> None:
    picture = benign_image(11, (320, 240)).convert(mode)
    for extra in ANCILLARY.values():
        data = with_chunks_before_data(png_of(np.asarray(picture), mode, 6), extra)
        assert hash_image(data).pdq.hex == reference_hash(data)


def test_transparency_and_colour_profile_are_ignored_as_pillow_ignores_them() -> None:
    picture = np.asarray(benign_image(12, (64, 48)))
    keyed = png_of(picture, "RGB", 6, transparency=tuple(int(v) for v in picture[0, 0]))
    assert b"tRNS" in keyed
    profiled = png_of(picture, "RGB", 6, icc_profile=b"\x00" * 128)
    assert b"iCCP" in profiled
    grey = png_of(np.asarray(benign_image(12, (64, 48)).convert("L")), "L", 6, transparency=0)
    for data in (keyed, profiled, grey):
        assert np.array_equal(decoded_by_libspng(data), pillow_rgb(data))


@pytest.mark.parametrize(
    "image",
    [
        benign_image(13, (40, 30)).convert("P"),
        benign_image(13, (40, 30)).convert("1"),
        benign_image(13, (40, 30)).convert("LA"),
        Image.fromarray(np.arange(1200, dtype=np.uint16).reshape(30, 40) * 50),
    ],
    ids=["palette", "1-bit", "grey+alpha", "16-bit"],
)
def test_other_pngs_stay_with_pillow(image: Image.Image) -> None:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    data = buffer.getvalue()
    assert not _is_plain_png(_open(data, 10**8), data)
    assert hash_image(data).pdq.hex == reference_hash(data)


def test_very_large_png_stays_with_pillow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above LIBSPNG_MAX_PIXELS Pillow decodes alone, so the peak is Pillow's own."""
    data = png_of(np.asarray(benign_image(18, (64, 48))), "RGB", 6)
    assert _is_plain_png(_open(data, 10**8), data)
    monkeypatch.setattr(pdq, "LIBSPNG_MAX_PIXELS", 64 * 48 - 1)
    assert not _is_plain_png(_open(data, 10**8), data)
    assert _decoded(_open(data, 10**8), data, metadata=False).format == "PNG"  # Pillow's
    assert hash_image(data).pdq.hex == reference_hash(data)


def test_animated_png_stays_with_pillow() -> None:
    frames = [benign_image(seed, (40, 30)) for seed in (14, 15)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "PNG", save_all=True, append_images=frames[1:])
    data = buffer.getvalue()
    assert b"acTL" in data
    assert not _is_plain_png(_open(data, 10**8), data)
    assert hash_image(data).pdq.hex == reference_hash(data)


def test_broken_plain_png_is_reported_by_pillow() -> None:
    data = png_of(np.asarray(benign_image(16, (200, 150))), "RGB", 6)
    start = data.index(b"IDAT") + 4
    truncated = data[: start + 2000]
    scrambled = bytes(b ^ 0x5A for b in data[start : start + 400])
    garbled = data[:start] + scrambled + data[start + 400 :]
    for bad in (truncated, garbled):
        assert _is_plain_png(_open(bad, 10**8), bad)
        with pytest.raises(SignalError) as caught:
            hash_image(bad)
        assert caught.value.code in (ErrorCode.TRUNCATED, ErrorCode.CORRUPT)
        assert "image data cannot be decoded" in caught.value.message


def reference_outcome(data: bytes) -> str:
    """What the reference pipeline makes of a file: its PDQ, or that it cannot decode it."""
    try:
        return reference_hash(data)
    except (OSError, ValueError, SyntaxError, EOFError):
        return "refused"


def footprint_outcome(data: bytes) -> str:
    try:
        return hash_image(data).pdq.hex
    except SignalError:
        return "refused"


SMALL_PNG = png_of(np.asarray(benign_image(17, (48, 40))), "RGB", 6)


def test_every_flipped_byte_is_refused_or_hashed_as_pillow_does() -> None:
    """libspng checks what Pillow checks (chunk CRCs, the zlib stream's Adler-32): a damaged
    file is never hashed where the reference pipeline refuses it, nor refused where it hashes."""
    differences = []
    for place in range(len(SMALL_PNG)):
        flipped = bytearray(SMALL_PNG)
        flipped[place] ^= 0xFF
        if reference_outcome(bytes(flipped)) != footprint_outcome(bytes(flipped)):
            differences.append(place)
    assert differences == []


@settings(max_examples=150, deadline=None)
@given(cut=st.integers(0, 2000), flips=st.lists(st.integers(0, 2999), max_size=8))
def test_mangled_plain_pngs_fare_as_with_pillow(cut: int, flips: list[int]) -> None:
    mangled = bytearray(SMALL_PNG)
    for place in flips:
        if place < len(mangled):
            mangled[place] ^= 0xA5
    data = bytes(mangled[: max(len(mangled) - cut, 0)])
    assert footprint_outcome(data) == reference_outcome(data)

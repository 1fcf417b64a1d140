"""JPEGs are decoded by libjpeg-turbo through simplejpeg, straight into an array: the same pixels
as Pillow's decode and ``convert("RGB")`` (the reference pipeline), in full and at the scales
Pillow's draft mode gives the fast path; every JPEG they would not agree on, and every broken
one, is Pillow's to decode and to report."""

from __future__ import annotations

import io

import numpy as np
import pdqhash
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from footprint.signals import DecodePath, SignalError, hash_image, pdq
from footprint.signals.pdq import _decode, _jpeg_rgb, _open, bits_to_hex
from footprint.synthetic.images import benign_image


def jpeg_of(picture: Image.Image, **save: object) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", **save)
    return buffer.getvalue()


def pillow_rgb(data: bytes, scale: int = 1) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        if scale > 1:
            image.draft("RGB", (image.width // scale, image.height // scale))
        return np.asarray(image.convert("RGB"))


def simplejpeg_rgb(data: bytes, scale: int = 1) -> np.ndarray:
    rgb = _jpeg_rgb(_open(data, 10**8), data, scale)
    assert rgb is not None, "libjpeg-turbo was not used for an ordinary JPEG"
    return rgb


def textured(seed: int, size: tuple[int, int]) -> Image.Image:
    """A benign picture with grain, so every DCT block has detail to decode."""
    rng = np.random.default_rng(seed)
    picture = np.asarray(benign_image(seed, size), dtype=np.int16)
    grain = rng.integers(-20, 21, picture.shape, dtype=np.int16)
    return Image.fromarray((picture + grain).clip(0, 255).astype(np.uint8))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    width=st.integers(1, 90),
    height=st.integers(1, 90),
    seed=st.integers(0, 2**32 - 1),
    quality=st.integers(5, 100),
    subsampling=st.sampled_from([0, 1, 2]),
    progressive=st.booleans(),
    grey=st.booleans(),
)
def test_jpeg_pixels_equal_pillows(
    width: int,
    height: int,
    seed: int,
    quality: int,
    subsampling: int,
    progressive: bool,
    grey: bool,
) -> None:
    picture = textured(seed % 1000, (width, height))
    if grey:
        picture = picture.convert("L")
    data = jpeg_of(picture, quality=quality, subsampling=subsampling, progressive=progressive)
    assert np.array_equal(simplejpeg_rgb(data), pillow_rgb(data))


@pytest.mark.parametrize("scale", [2, 4, 8])
@pytest.mark.parametrize("subsampling", [0, 1, 2])
def test_reduced_jpeg_pixels_equal_pillows_draft(scale: int, subsampling: int) -> None:
    """The fast path's reduced decode: the scale and the pixels Pillow's draft mode gives,
    odd sizes included (the last block row and column are partly outside)."""
    data = jpeg_of(textured(scale, (1029, 771)), quality=90, subsampling=subsampling)
    assert np.array_equal(simplejpeg_rgb(data, scale), pillow_rgb(data, scale))


def test_exif_restart_markers_and_optimised_tables_change_nothing() -> None:
    picture = textured(3, (200, 120))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: PDQ reads the stored pixels, as the reference does
    for data in (
        jpeg_of(picture, quality=80, exif=exif.tobytes()),
        jpeg_of(picture, quality=80, optimize=True),
        jpeg_of(picture, quality=80, restart_marker_blocks=2),
    ):
        assert np.array_equal(simplejpeg_rgb(data), pillow_rgb(data))
        bits, _quality = pdqhash.compute(pillow_rgb(data))
        assert hash_image(data).pdq.hex == bits_to_hex(bits)


def test_cmyk_jpeg_stays_with_pillow() -> None:
    data = jpeg_of(textured(4, (80, 60)).convert("CMYK"), quality=90)
    assert _jpeg_rgb(_open(data, 10**8), data, 1) is None
    bits, _quality = pdqhash.compute(pillow_rgb(data))
    assert hash_image(data).pdq.hex == bits_to_hex(bits)


def test_ordinary_jpeg_takes_no_pillow_decode() -> None:
    data = jpeg_of(textured(5, (64, 48)), quality=90)
    picture = _decode(_open(data, 10**8), data, 1, metadata=False)
    assert picture._image is None  # the array came from libjpeg-turbo and nothing asked more


def pillow_only(data: bytes, decode: DecodePath = DecodePath.EXACT) -> str:
    """footprint's outcome with Pillow decoding every JPEG, as it did before."""
    patch = pytest.MonkeyPatch()
    patch.setattr(pdq, "_jpeg_rgb", lambda opened, data, scale: None)
    try:
        return outcome(data, decode)
    finally:
        patch.undo()


def outcome(data: bytes, decode: DecodePath = DecodePath.EXACT) -> str:
    try:
        found = hash_image(data, decode=decode)
    except SignalError as exc:
        return f"refused: {exc.code}"
    return f"{found.pdq.hex} {found.path}"


@pytest.mark.parametrize("seed", [6, 7])
def test_the_fast_path_hashes_as_with_pillows_draft(seed: int) -> None:
    """The fast path's hash, its drift check and its choice of path are unchanged."""
    data = jpeg_of(textured(seed, (2100, 1500)), quality=92, subsampling=2)
    assert outcome(data, DecodePath.FAST) == pillow_only(data, DecodePath.FAST)
    assert "fast" in outcome(data, DecodePath.FAST)


SMALL_JPEG = jpeg_of(textured(8, (40, 32)), quality=85)


def test_every_flipped_byte_is_refused_or_hashed_as_pillow_does() -> None:
    """A damaged JPEG: libjpeg's warnings refuse simplejpeg's decode, so Pillow decodes it as
    it did before, hashing what it hashed and refusing what it refused."""
    differences = []
    for place in range(len(SMALL_JPEG)):
        flipped = bytearray(SMALL_JPEG)
        flipped[place] ^= 0xFF
        if outcome(bytes(flipped)) != pillow_only(bytes(flipped)):
            differences.append(place)
    assert differences == []


def test_every_truncation_fares_as_with_pillow() -> None:
    for end in range(len(SMALL_JPEG)):
        assert outcome(SMALL_JPEG[:end]) == pillow_only(SMALL_JPEG[:end]), end


@settings(max_examples=150, deadline=None)
@given(cut=st.integers(0, 600), flips=st.lists(st.integers(0, 1999), max_size=8))
def test_mangled_jpegs_fare_as_with_pillow(cut: int, flips: list[int]) -> None:
    mangled = bytearray(SMALL_JPEG)
    for place in flips:
        if place < len(mangled):
            mangled[place] ^= 0xA5
    data = bytes(mangled[: max(len(mangled) - cut, 0)])
    assert outcome(data) == pillow_only(data)

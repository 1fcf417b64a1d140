"""The compiled reduction gives Pillow's ``Image.reduce`` pixels, so that the fast path's hashes
(a large PNG reduced, every reduced picture halved for the drift check) are what they were when
Pillow reduced them."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from footprint.signals import hash_image
from footprint.signals.pdq import (
    STABLE_BITS,
    DecodePath,
    PdqPath,
    _drifts,
    hamming_distance,
    pdq_of_image,
    pdq_of_rgb,
)
from footprint.signals.reduce import reduce_rgb
from footprint.synthetic.images import benign_image


def pillow_reduce(rgb: np.ndarray, factor: int) -> np.ndarray:
    return np.asarray(Image.fromarray(rgb).reduce(factor))


@settings(max_examples=300, deadline=None)
@given(
    rows=st.integers(1, 70),
    cols=st.integers(1, 70),
    factor=st.integers(1, 8),
    seed=st.integers(0, 2**32 - 1),
)
def test_pixels_equal_pillows_on_every_shape_and_factor(
    rows: int, cols: int, factor: int, seed: int
) -> None:
    """Random pixels, shapes whose edges leave partial boxes of every size (Pillow's own
    multiplier for each count), factors 1 to 8."""
    rgb = np.random.default_rng(seed).integers(0, 256, (rows, cols, 3), dtype=np.uint8)
    assert np.array_equal(reduce_rgb(rgb, factor), pillow_reduce(rgb, factor))


@pytest.mark.parametrize("value", [0, 1, 127, 254, 255])
@pytest.mark.parametrize("factor", range(2, 9))
def test_flat_pictures_at_the_extremes_keep_their_value(value: int, factor: int) -> None:
    """The rounding at 0 and 255 (where a wrong multiplier overflows or rounds down)."""
    rgb = np.full((37, 45, 3), value, dtype=np.uint8)
    reduced = reduce_rgb(rgb, factor)
    assert np.array_equal(reduced, pillow_reduce(rgb, factor))
    assert (reduced == value).all()


def test_a_photo_sized_picture_halves_as_pillow_halves_it() -> None:
    rgb = np.asarray(benign_image(5, (1009, 757)))
    assert np.array_equal(reduce_rgb(rgb, 2), pillow_reduce(rgb, 2))


@pytest.mark.parametrize(
    ("rgb", "factor", "message"),
    [
        (np.zeros((8, 8, 4), np.uint8), 2, r"\(H, W, 3\) uint8"),
        (np.zeros((8, 8), np.uint8), 2, r"\(H, W, 3\) uint8"),
        (np.zeros((8, 8, 3), np.uint16), 2, r"\(H, W, 3\) uint8"),
        (np.zeros((8, 8, 3), np.uint8), 0, "1 to 8"),
        (np.zeros((8, 8, 3), np.uint8), 9, "1 to 8"),
    ],
)
def test_what_it_cannot_reduce_is_refused_by_name(
    rgb: np.ndarray, factor: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        reduce_rgb(rgb, factor)


def test_the_drift_check_halves_as_pillow_did() -> None:
    """The check's verdict and the halved hash are those of Pillow's ``reduce(2)``."""
    rgb = np.asarray(benign_image(11, (1024, 768)))
    pdq = pdq_of_rgb(rgb)
    halved_by_pillow = pdq_of_image(Image.fromarray(rgb).reduce(2))
    assert pdq_of_rgb(reduce_rgb(rgb, 2)) == halved_by_pillow
    moved = hamming_distance(pdq.hex, halved_by_pillow.hex)
    assert _drifts(rgb, pdq) is (moved > STABLE_BITS)


def test_a_large_png_hashes_on_the_fast_path_as_pillow_reduced_it() -> None:
    """A plain PNG decoded by libspng and reduced here: the hash Pillow's decode and reduce
    give (the scale is 2 for a shorter side of 1,100 px)."""
    picture = benign_image(3, (1400, 1100))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    signals = hash_image(buffer.getvalue(), decode=DecodePath.FAST, safeguard=False)
    assert signals.path is PdqPath.FAST
    assert signals.pdq == pdq_of_image(picture.reduce(2))

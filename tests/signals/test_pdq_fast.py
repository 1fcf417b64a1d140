"""footprint's compiled PDQ gives pdqhash's (Meta's C++) bits and quality, bit for bit."""

from __future__ import annotations

import io
import threading
from typing import Any

import numpy as np
import pdqhash
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from footprint.signals import pdq_fast
from footprint.signals.pdq import normalise_to_rgb
from footprint.signals.pdq_fast import pdq_bits, window_size
from footprint.synthetic.images import benign_image, drifting_image, varied_image
from tests.conftest import pdq_image_bytes


def _reference(rgb: np.ndarray) -> tuple[list[int], int]:
    bits, quality = pdqhash.compute(rgb)
    return bits.astype(np.uint8).tolist(), int(quality)


def _ours(rgb: np.ndarray) -> tuple[list[int], int]:
    bits, quality = pdq_bits(rgb)
    assert bits.dtype == np.uint8 and bits.shape == (256,)
    return bits.tolist(), quality


def _rgb(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(normalise_to_rgb(image))


def test_every_conformance_image_as_pdqhash(pdq_expected: dict[str, dict[str, Any]]) -> None:
    for name in pdq_expected:
        rgb = _rgb(pdq_image_bytes(name))
        assert _ours(rgb) == _reference(rgb), name


def test_the_generated_corpus_as_pdqhash() -> None:
    """Every size, format and mode the scan benchmarks use, 12 MP photos included."""
    for seed in range(0, 96, 4):
        _name, data = varied_image(seed)
        rgb = _rgb(data)
        assert _ours(rgb) == _reference(rgb), seed


def test_content_that_drifts_and_a_full_size_photo_as_pdqhash() -> None:
    for seed in (1, 2):
        rgb = np.asarray(drifting_image(seed, (1200, 900)))
        assert _ours(rgb) == _reference(rgb), seed
    rgb = np.asarray(benign_image(7, (4032, 3024)))
    assert _ours(rgb) == _reference(rgb)


@pytest.mark.parametrize(
    "shape",
    [
        (5, 5),
        (5, 400),
        (400, 5),
        (4, 100),
        (100, 4),
        (64, 64),
        (64, 65),
        (65, 64),
        (127, 129),
        (128, 128),
        (129, 257),
        (1, 1),
    ],
)
def test_edge_sizes_as_pdqhash(shape: tuple[int, int]) -> None:
    """Under 5 px a side both give zero bits and quality; 64x64 skips the filter in the C++;
    the window size changes at each multiple of 128."""
    rgb = np.random.default_rng(sum(shape)).integers(0, 256, (*shape, 3), dtype=np.uint8)
    assert _ours(rgb) == _reference(rgb)


def test_flat_images_and_views_as_pdqhash() -> None:
    """A flat picture (every coefficient equal: the median's tie rule) and arrays that are views
    (a crop, a channel-reversed array) rather than contiguous buffers."""
    for value in (0, 128, 255):
        flat = np.full((300, 200, 3), value, dtype=np.uint8)
        assert _ours(flat) == _reference(flat)
    picture = np.asarray(benign_image(3, (640, 480)))
    for view in (picture[10:400, 20:300], picture[:, :, ::-1], picture[::2, ::3]):
        assert _ours(view) == _reference(np.ascontiguousarray(view))


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(1, 700),
    cols=st.integers(1, 700),
    seed=st.integers(0, 2**32 - 1),
    smooth=st.booleans(),
)
def test_any_size_and_content_as_pdqhash(rows: int, cols: int, seed: int, smooth: bool) -> None:
    rng = np.random.default_rng(seed)
    if smooth:  # gradients with noise: the coefficients near the median are close together
        ys, xs = np.mgrid[0:rows, 0:cols]
        base = (xs * rng.uniform(-2, 2) + ys * rng.uniform(-2, 2))[..., None] + rng.normal(
            0, 3, (rows, cols, 3)
        )
        rgb = (base % 256).astype(np.uint8)
    else:
        rgb = rng.integers(0, 256, (rows, cols, 3), dtype=np.uint8)
    assert _ours(rgb) == _reference(rgb)


def test_window_size_is_the_cpp_rule() -> None:
    assert [window_size(n) for n in (5, 127, 128, 129, 256, 257, 4032)] == [1, 1, 1, 2, 2, 3, 32]


def test_an_alpha_channel_is_ignored_as_pdqhash_ignores_it() -> None:
    rgba = np.asarray(benign_image(5, (300, 200)).convert("RGBA")).copy()
    rgba[:, :, 3] = np.random.default_rng(5).integers(0, 256, rgba.shape[:2], dtype=np.uint8)
    assert _ours(rgba) == _reference(rgba) == _reference(np.ascontiguousarray(rgba[:, :, :3]))


@pytest.mark.parametrize(
    "array",
    [
        np.zeros((100, 100), dtype=np.uint8),  # greyscale: no channels
        np.zeros((100, 100, 2), dtype=np.uint8),  # LA
        np.zeros((100, 100, 3), dtype=np.float32),  # not bytes
    ],
)
def test_an_array_the_compiled_loops_cannot_read_is_refused(array: np.ndarray) -> None:
    with pytest.raises(ValueError, match="needs an"):
        pdq_bits(array)


def test_kept_scratch_planes_change_no_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pictures of growing and shrinking sizes one after another reuse the thread's planes (a
    larger one replaces them; one over SCRATCH_KEPT pixels gets its own): every hash is still
    pdqhash's, and the kept planes stay within the limit."""
    monkeypatch.setattr(pdq_fast, "SCRATCH_KEPT", 300 * 200)
    monkeypatch.setattr(pdq_fast, "_kept", threading.local())
    rng = np.random.default_rng(9)
    for rows, cols in [(120, 90), (40, 70), (200, 300), (301, 200), (64, 64), (150, 160)]:
        rgb = rng.integers(0, 256, (rows, cols, 3), dtype=np.uint8)
        assert _ours(rgb) == _reference(rgb), (rows, cols)
    kept = pdq_fast._kept.planes
    assert kept.shape == (2, 300 * 200)  # never grown past the limit: the 301x200 was not kept

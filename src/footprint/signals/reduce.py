"""Pillow's ``Image.reduce(factor)`` on an RGB array, compiled, pixel for pixel the same.

The fast path reduces a PNG decoded at full size and halves every reduced picture once more for
its drift check (see `pdq.hash_image`). Through Pillow each of these cost a copy of the array
into an image and one out again (halving a 1008x756 picture: 1.05 ms, here 0.84 ms; a 12 MP one
by 4: 7.0 ms, here 3.1 ms).
The drift check's threshold was measured with Pillow's pixels, and a PNG's fast hash must not
depend on the route its pixels took, so this is Pillow's arithmetic, not merely an average:
every output pixel is the sum of its box plus half the box's count, times a 32-bit multiplier
for that count, shifted right by 24 (src/libImaging/Reduce.c, `ImagingReduce` and
`ImagingReduceCorners`; boxes at the right and bottom edges cover what is left). Tested against
Pillow itself in tests/signals/test_reduce.py.
"""

from __future__ import annotations

import numpy as np

from footprint.signals.compiled import compiled

MAX_FACTOR = 8


def _multipliers(factor: int) -> np.ndarray:
    """Pillow's `division_UINT32(count, 8)` for each box count from 0 to factor^2: 2^32 over
    256 times the count, divided in single precision and truncated."""
    found = np.zeros(factor * factor + 1, dtype=np.int64)
    for count in range(1, factor * factor + 1):
        found[count] = int(np.float32(2.0**32) / np.float32(256 * count))
    return found


_MULTIPLIERS = {factor: _multipliers(factor) for factor in range(1, MAX_FACTOR + 1)}


@compiled
def _scaled(total: int, multiplier: int) -> np.uint8:
    """Pillow's UINT32 product, wrapping as it does, shifted right by 24."""
    return np.uint8(((total * multiplier) & 0xFFFFFFFF) >> 24)


@compiled
def _reduce(pixels: np.ndarray, factor: int, multipliers: np.ndarray) -> np.ndarray:
    """Each output row: its box's input rows summed into one row of 16-bit sums (a loop along
    memory, which vectorises; 8 x 255 fits), then each box's sums added across and scaled."""
    rows, cols, _ = pixels.shape
    out = np.empty((-(-rows // factor), -(-cols // factor), 3), dtype=np.uint8)
    flat = pixels.reshape(rows, cols * 3)
    sums = np.empty((cols, 3), dtype=np.uint16)
    flat_sums = sums.reshape(cols * 3)
    whole = cols // factor
    for oy in range(out.shape[0]):
        top = oy * factor
        bottom = min(rows, top + factor)
        flat_sums[:] = 0
        for y in range(top, bottom):
            line = flat[y]
            for i in range(cols * 3):
                flat_sums[i] = np.uint16(flat_sums[i] + np.uint16(line[i]))
        row = out[oy]
        for ox in range(out.shape[1]):
            left = ox * factor
            right = left + factor if ox < whole else cols  # the last box covers what is left
            count = (bottom - top) * (right - left)
            multiplier = multipliers[count]
            red = green = blue = count // 2
            for x in range(left, right):
                red += np.int64(sums[x, 0])
                green += np.int64(sums[x, 1])
                blue += np.int64(sums[x, 2])
            row[ox, 0] = _scaled(red, multiplier)
            row[ox, 1] = _scaled(green, multiplier)
            row[ox, 2] = _scaled(blue, multiplier)
    return out


def reduce_rgb(rgb: np.ndarray, factor: int) -> np.ndarray:
    """An (H, W, 3) uint8 RGB array reduced by `factor` (1 to 8) as Pillow's ``reduce`` gives
    it, (ceil(H / factor), ceil(W / factor), 3). RGB only: Pillow premultiplies RGBA's alpha."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"reduce needs an (H, W, 3) uint8 array, not {rgb.dtype} {rgb.shape}")
    if factor not in _MULTIPLIERS:
        raise ValueError(f"reduce factor must be 1 to {MAX_FACTOR}, not {factor}")
    if factor == 1:
        return rgb
    return _reduce(np.ascontiguousarray(rgb), factor, _MULTIPLIERS[factor])

"""Meta's PDQ, compiled by numba, bit for bit what `pdqhash` (Meta's C++) computes.

`pdqhash.compute` spends a third of its time building the luma plane in numpy (three float64
temporaries of the whole image) and the rest in a C++ column filter that strides across memory.
This is the same arithmetic in the same order — float64 luma rounded to float32, two Jarosz
passes of running-sum box filters in float32, decimation to 64x64, the 16x16 DCT, Torben's
median — written so that the loops run along memory: several rows share the row filter's pass
(independent sums, no stall on each one's add chain) and the column filter runs a row of sums
at a time. IEEE float32 without fused multiply-add, as the C++ is built, so the hashes are equal;
tests/signals/test_pdq_fast.py holds it to pdqhash on the conformance set and generated images.

Reference: ThreatExchange pdq/cpp hashing/pdqhashing.cpp, downscaling/downscaling.cpp,
hashing/torben.cpp (the version pdqhash 0.2.8 builds).
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np

from footprint.signals.compiled import compiled

MIN_HASHABLE_DIM = 5
JAROSZ_PASSES = 2


def _dct_matrix() -> np.ndarray:
    """16x64, as the C++ builds it: float scale times a double cosine, stored as float."""
    scale = float(np.float32(math.sqrt(2.0 / 64)))
    matrix = np.empty((16, 64), dtype=np.float32)
    for i in range(16):
        for j in range(64):
            matrix[i, j] = np.float32(
                scale * math.cos((math.pi / 2.0 / 64.0) * (i + 1) * (2 * j + 1))
            )
    return matrix


DCT = _dct_matrix()


def window_size(old: int, new: int = 64) -> int:
    return (old + 2 * new - 1) // (2 * new)


@compiled
def _luma(rgb: np.ndarray, out: np.ndarray) -> None:
    """pdqhash's luma: R*0.299 + G*0.587 + B*0.114 in float64, rounded to float32. Read as one
    flat run of bytes so that the loop vectorises."""
    flat = rgb.reshape(-1)
    luma = out.reshape(-1)
    for p in range(luma.shape[0]):
        red = np.float64(flat[3 * p]) * 0.299
        green = np.float64(flat[3 * p + 1]) * 0.587
        blue = np.float64(flat[3 * p + 2]) * 0.114
        luma[p] = np.float32((red + green) + blue)


@compiled
def _row_sums(src: np.ndarray, dst: np.ndarray, window: int) -> None:
    """box1DFloat's running float32 sum along one row, each as it stands at its output; not
    yet divided by the count it covers (`_divide_sums`)."""
    length = src.shape[0]
    half = (window + 2) // 2
    total = np.float32(0.0)
    for ri in range(half - 1):
        total += src[ri]
    oi = 0
    for ri in range(half - 1, window):
        total += src[ri]
        dst[oi] = total
        oi += 1
    for ri in range(window, length):
        total += src[ri]
        total -= src[ri - window]
        dst[oi] = total
        oi += 1
    for li in range(length - window, length - window + half - 1):
        total -= src[li]
        dst[oi] = total
        oi += 1


@compiled
def _box_rows(src: np.ndarray, dst: np.ndarray, window: int) -> None:
    """box1DFloat along every row: the running sums (`_rows_sums`), then each divided by the
    count it covers. The same float32 sums and divisions as the C++, but apart the divisions
    vectorise, where in the chain of sums they ran one at a time (0.17 against 0.25 ms a pass
    at 640x480)."""
    _rows_sums(src, dst, window)
    for row in range(dst.shape[0]):
        _divide_sums(dst[row], window)


@compiled
def _rows_sums(src: np.ndarray, dst: np.ndarray, window: int) -> None:
    """_row_sums over every row, four rows side by side: each row's sum is a chain of dependent
    adds, so four independent chains keep the CPU busy (measured 3x one row at a time). The
    sums are four scalars, not an array, so that they stay in registers. The loops index
    slices from 0 so that numba need not check for negative indices."""
    rows, length = src.shape
    half = (window + 2) // 2
    lead, steady = window - half + 1, length - window
    full = rows - rows % 4
    for top in range(0, full, 4):
        in0, in1, in2, in3 = src[top], src[top + 1], src[top + 2], src[top + 3]
        out0, out1, out2, out3 = dst[top], dst[top + 1], dst[top + 2], dst[top + 3]
        s0 = s1 = s2 = s3 = np.float32(0.0)
        for ri in range(half - 1):
            s0 += in0[ri]
            s1 += in1[ri]
            s2 += in2[ri]
            s3 += in3[ri]
        add0, add1, add2, add3 = in0[half - 1 :], in1[half - 1 :], in2[half - 1 :], in3[half - 1 :]
        for k in range(lead):
            s0 += add0[k]
            s1 += add1[k]
            s2 += add2[k]
            s3 += add3[k]
            out0[k], out1[k], out2[k], out3[k] = s0, s1, s2, s3
        add0, add1, add2, add3 = in0[window:], in1[window:], in2[window:], in3[window:]
        sub0, sub1, sub2, sub3 = in0[:steady], in1[:steady], in2[:steady], in3[:steady]
        put0, put1, put2, put3 = out0[lead:], out1[lead:], out2[lead:], out3[lead:]
        for k in range(steady):
            s0 += add0[k]
            s1 += add1[k]
            s2 += add2[k]
            s3 += add3[k]
            s0 -= sub0[k]
            s1 -= sub1[k]
            s2 -= sub2[k]
            s3 -= sub3[k]
            put0[k], put1[k], put2[k], put3[k] = s0, s1, s2, s3
        sub0, sub1, sub2, sub3 = in0[steady:], in1[steady:], in2[steady:], in3[steady:]
        end = lead + steady
        put0, put1, put2, put3 = out0[end:], out1[end:], out2[end:], out3[end:]
        for k in range(half - 1):
            s0 -= sub0[k]
            s1 -= sub1[k]
            s2 -= sub2[k]
            s3 -= sub3[k]
            put0[k], put1[k], put2[k], put3[k] = s0, s1, s2, s3
    for row in range(full, rows):
        _row_sums(src[row], dst[row], window)


@compiled
def _count_at(index: int, length: int, window: int) -> np.float32:
    """How many values box1DFloat's output `index` covers: growing at the start of the row,
    the whole window in the middle, shrinking at the end."""
    half = (window + 2) // 2
    lead, end = window - half + 1, length - half + 1
    if index < lead:
        return np.float32(half + index)
    if index < end:
        return np.float32(window)
    return np.float32(window - 1 - (index - end))


@compiled
def _divide_sums(out: np.ndarray, window: int) -> None:
    """A row of box1DFloat's running sums, each divided by the count it covers (`_count_at`).
    The middle, all divided by the window, runs over a slice indexed from 0, so that it
    vectorises."""
    length = out.shape[0]
    half = (window + 2) // 2
    lead, end = window - half + 1, length - half + 1
    for k in range(lead):
        out[k] = out[k] / _count_at(k, length, window)
    middle, divisor = out[lead:end], np.float32(window)
    for k in range(middle.shape[0]):
        middle[k] = middle[k] / divisor
    for k in range(end, length):
        out[k] = out[k] / _count_at(k, length, window)


@compiled
def _box_cols(src: np.ndarray, dst: np.ndarray, window: int) -> None:
    """box1DFloat down each column, every column's sum advanced one row at a time."""
    rows, cols = src.shape
    half = (window + 2) // 2
    phase1, phase2 = half - 1, window - half + 1
    phase3, phase4 = rows - window, half - 1
    sums = np.zeros(cols, dtype=np.float32)
    ri = 0
    li = 0
    oi = 0
    size = 0
    for _ in range(phase1):
        for j in range(cols):
            sums[j] += src[ri, j]
        size += 1
        ri += 1
    for _ in range(phase2):
        size += 1
        divisor = np.float32(size)
        for j in range(cols):
            sums[j] += src[ri, j]
            dst[oi, j] = sums[j] / divisor
        ri += 1
        oi += 1
    divisor = np.float32(size)
    for _ in range(phase3):
        for j in range(cols):
            sums[j] += src[ri, j]
            sums[j] -= src[li, j]
            dst[oi, j] = sums[j] / divisor
        li += 1
        ri += 1
        oi += 1
    for _ in range(phase4):
        size -= 1
        divisor = np.float32(size)
        for j in range(cols):
            sums[j] -= src[li, j]
            dst[oi, j] = sums[j] / divisor
        li += 1
        oi += 1


@compiled
def _quality(block: np.ndarray) -> int:
    total = 0
    hundred, scale = np.float32(100.0), np.float32(255.0)
    for i in range(63):
        for j in range(64):
            total += abs(int(((block[i, j] - block[i + 1, j]) * hundred) / scale))
    for i in range(64):
        for j in range(63):
            total += abs(int(((block[i, j] - block[i, j + 1]) * hundred) / scale))
    return min(total // 90, 100)


@compiled
def _dct16(block: np.ndarray, dct: np.ndarray) -> np.ndarray:
    middle = np.empty((16, 64), dtype=np.float32)
    for i in range(16):
        for j in range(64):
            total = np.float32(0.0)
            for k in range(64):
                total += dct[i, k] * block[k, j]
            middle[i, j] = total
    out = np.empty((16, 16), dtype=np.float32)
    for i in range(16):
        for j in range(16):
            total = np.float32(0.0)
            for k in range(64):
                total += middle[i, k] * dct[j, k]
            out[i, j] = total
    return out


@compiled
def _torben(values: np.ndarray) -> Any:  # a float32
    n = values.size
    low = values[0]
    high = values[0]
    for i in range(1, n):
        low = min(low, values[i])
        high = max(high, values[i])
    two = np.float32(2.0)
    while True:
        guess = (low + high) / two
        less = greater = equal = 0
        max_below, min_above = low, high
        for i in range(n):
            value = values[i]
            if value < guess:
                less += 1
                if value > max_below:
                    max_below = value
            elif value > guess:
                greater += 1
                if value < min_above:
                    min_above = value
            else:
                equal += 1
        if less <= (n + 1) // 2 and greater <= (n + 1) // 2:
            break
        if less > greater:
            high = max_below
        else:
            low = min_above
    if less >= (n + 1) // 2:
        return max_below
    if less + equal >= (n + 1) // 2:
        return guess
    return min_above


@compiled
def _filtered_block(
    rgb: np.ndarray, luma: np.ndarray, spare: np.ndarray, row_window: int, col_window: int
) -> np.ndarray:
    """The 64x64 luma PDQ hashes: two Jarosz passes (rows, then columns), then decimation.
    `luma` and `spare` are image-sized float32 scratch."""
    rows, cols = rgb.shape[0], rgb.shape[1]
    _luma(rgb, luma)
    for _ in range(JAROSZ_PASSES - 1):
        _box_rows(luma, spare, row_window)
        _box_cols(spare, luma, col_window)
    # Decimation keeps 64 columns: the last row pass divides only their sums, and the last
    # column pass, column by column independent, runs on them alone (the same sums in the same
    # order, a sixteenth of the work at 1,024 px wide).
    _rows_sums(luma, spare, row_window)
    kept = np.empty((rows, 64), dtype=np.float32)
    for j in range(64):
        source_col = int(((j + 0.5) * cols) / 64)
        count = _count_at(source_col, cols, row_window)
        for i in range(rows):
            kept[i, j] = spare[i, source_col] / count
    filtered = np.empty_like(kept)
    _box_cols(kept, filtered, col_window)
    block = np.empty((64, 64), dtype=np.float32)
    for i in range(64):
        block[i, :] = filtered[int(((i + 0.5) * rows) / 64), :]
    return block


@compiled
def _bits_of(block: np.ndarray, dct: np.ndarray) -> tuple[np.ndarray, int]:
    quality = _quality(block)
    coefficients = _dct16(block, dct).ravel()
    median = _torben(coefficients)
    bits = np.zeros(256, dtype=np.uint8)
    for k in range(256):
        if coefficients[k] > median:
            bits[255 - k] = 1  # pdqhash's vector: bit k of the hash last
    return bits, quality


SCRATCH_KEPT = 4 * 1024 * 1024  # pixels: the planes of pictures up to 4 MP are kept per thread
_kept = threading.local()


def _scratch(rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Two float32 planes of the picture's size. Allocated by numpy, not inside the compiled
    code: numpy asks the kernel for huge pages on large arrays, and a 12 MP luma plane filled 4x
    quicker (68 -> 18 ms) for it. Up to SCRATCH_KEPT pixels they are kept for the thread's next
    picture, which then meets no fresh pages (32 MB at most a thread); larger ones are not."""
    pixels = rows * cols
    if pixels > SCRATCH_KEPT:
        return np.empty((rows, cols), np.float32), np.empty((rows, cols), np.float32)
    kept = getattr(_kept, "planes", None)
    if kept is None or kept.shape[1] < pixels:
        kept = _kept.planes = np.empty((2, max(pixels, min(SCRATCH_KEPT, 1 << 20))), np.float32)
    return kept[0, :pixels].reshape(rows, cols), kept[1, :pixels].reshape(rows, cols)


def pdq_bits(rgb: np.ndarray) -> tuple[np.ndarray, int]:
    """(256 bits, quality) of an (H, W, 3) uint8 RGB array, as `pdqhash.compute` returns them
    (a fourth channel, alpha, is ignored as pdqhash ignores it)."""
    if rgb.ndim != 3 or rgb.shape[2] < 3 or rgb.dtype != np.uint8:
        # the compiled loops read three bytes a pixel: anything else would be read out of bounds
        raise ValueError(f"PDQ needs an (H, W, 3) uint8 array, not {rgb.dtype} {rgb.shape}")
    rows, cols = rgb.shape[0], rgb.shape[1]
    if rows < MIN_HASHABLE_DIM or cols < MIN_HASHABLE_DIM:
        return np.zeros(256, dtype=np.uint8), 0
    rgb = np.ascontiguousarray(rgb[:, :, :3])
    luma, spare = _scratch(rows, cols)
    if rows == 64 and cols == 64:  # the C++ hashes a 64x64 image unfiltered
        _luma(rgb, luma)
        block = luma
    else:
        block = _filtered_block(rgb, luma, spare, window_size(cols), window_size(rows))
    bits, quality = _bits_of(block, DCT)
    return bits, int(quality)

"""Short benign videos generated in code (PyAV encodes them): coloured bands and blocks that
change every second, so each sampled frame has detail for PDQ and differs from the last."""

from __future__ import annotations

import io

import av
import numpy as np


def scene(seed: int, second: int, width: int = 320, height: int = 240) -> np.ndarray:
    rng = np.random.default_rng(seed * 1000 + second)
    y, x = np.mgrid[0:height, 0:width]
    base = ((x * (3 + seed) + y * (2 + second) + second * 37) % 256).astype(np.uint8)
    image = np.stack([base, np.roll(base, 17 * (seed + 1), 1), 255 - base], -1)
    for _ in range(6):
        cx, cy = int(rng.integers(0, width)), int(rng.integers(0, height))
        r = int(rng.integers(height // 10, height // 3))
        image[max(0, cy - r) : cy + r, max(0, cx - r) : cx + r] = rng.integers(0, 256, 3)
    return image


def video(
    seed: int,
    seconds: int = 8,
    start: int = 0,
    fps: int = 10,
    scale: float = 1.0,
    codec: str = "libx264",
    container: str = "mp4",
    quality: str = "23",
) -> bytes:
    """`seconds` of the seed's scenes from second `start`, encoded at `scale` of 320x240."""
    out = io.BytesIO()
    with av.open(out, "w", format=container) as muxer:
        stream = muxer.add_stream(codec, rate=fps)
        assert isinstance(stream, av.VideoStream)
        stream.width = int(320 * scale) // 2 * 2
        stream.height = int(240 * scale) // 2 * 2
        stream.pix_fmt = "yuv420p"
        if codec == "libx264":
            stream.options = {"crf": quality}
        for index in range(seconds * fps):
            pixels = scene(seed, start + index // fps)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame = frame.reformat(width=stream.width, height=stream.height)
            for packet in stream.encode(frame):
                muxer.mux(packet)
        for packet in stream.encode():
            muxer.mux(packet)
    return out.getvalue()

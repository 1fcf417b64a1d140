"""Benign, varied, deterministic images: gradients, shapes and textures drawn from a seed."""

from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def benign_image(seed: int, size: tuple[int, int] | None = None) -> Image.Image:
    """An RGB picture of coloured shapes on a gradient; the same seed gives the same picture."""
    rng = random.Random(seed)
    width, height = size or (rng.randint(160, 1400), rng.randint(160, 1000))
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    ramp = (np.cos(angle) * xs / width + np.sin(angle) * ys / height + 1) / 2
    base = np.stack(
        [ramp * rng.randint(40, 255) + rng.randint(0, 60) for _ in range(3)], axis=-1
    ).clip(0, 255)
    image = Image.fromarray(base.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(3, 14)):
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        x0, y0 = rng.randint(0, width - 1), rng.randint(0, height - 1)
        x1, y1 = x0 + rng.randint(10, width // 2 + 10), y0 + rng.randint(10, height // 2 + 10)
        shape = rng.choice(("ellipse", "rectangle", "line", "polygon"))
        if shape == "ellipse":
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        elif shape == "rectangle":
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        elif shape == "line":
            draw.line((x0, y0, x1, y1), fill=colour, width=rng.randint(2, 25))
        else:
            points = [(rng.randint(0, width), rng.randint(0, height)) for _ in range(5)]
            draw.polygon(points, fill=colour)
    if rng.random() < 0.3:
        noise = np.random.default_rng(seed).normal(0, rng.uniform(2, 18), (height, width, 3))
        image = Image.fromarray((np.asarray(image) + noise).clip(0, 255).astype(np.uint8))
    if rng.random() < 0.3:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 3)))
    return image


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def edited_copies(image: Image.Image) -> dict[str, bytes]:
    """The edits an image goes through when shared: resized, recompressed, re-encoded, mode-changed.
    Keys are file names with honest extensions."""
    width, height = image.size
    return {
        "resized-half.jpg": encode(image.resize((width // 2, height // 2)), "JPEG", quality=85),
        "recompressed-q40.jpg": encode(image, "JPEG", quality=40),
        "reencoded.png": encode(image, "PNG"),
        "reencoded.webp": encode(image, "WEBP", quality=80),
        "palette.gif": encode(image.convert("P", palette=Image.Palette.ADAPTIVE), "GIF"),
        "greyscale.bmp": encode(image.convert("L"), "BMP"),
        "cmyk.tiff": encode(image.convert("CMYK"), "TIFF"),
    }


# Sizes a seized device holds: thumbnails, web images, scans and phone photos (12 MP).
CORPUS_SIZES = [
    (120, 90),
    (320, 240),
    (640, 480),
    (800, 1200),
    (1024, 768),
    (1280, 960),
    (1600, 1200),
    (2048, 1536),
    (3000, 2000),
    (3024, 4032),
    (4032, 3024),
]
CORPUS_FORMATS = ["JPEG"] * 6 + ["PNG", "WEBP", "GIF", "BMP", "TIFF", "HEIF"]


def varied_image(seed: int) -> tuple[str, bytes]:
    """One image of a varied corpus: size, format, JPEG quality/subsampling and mode vary."""
    rng = random.Random(seed * 7919)
    size = rng.choice(CORPUS_SIZES)
    fmt = rng.choice(CORPUS_FORMATS)
    picture = benign_image(seed, size)
    if fmt == "JPEG":
        mode = rng.choice(["RGB"] * 6 + ["L", "CMYK"])
        params = {"quality": rng.randint(50, 97), "subsampling": rng.choice([0, 1, 2])}
        return f"{seed:05d}-{mode}.jpg", encode(picture.convert(mode), "JPEG", **params)
    if fmt == "GIF":
        return f"{seed:05d}.gif", encode(picture.convert("P", palette=Image.Palette.ADAPTIVE), fmt)
    extension = {"PNG": "png", "WEBP": "webp", "BMP": "bmp", "TIFF": "tiff", "HEIF": "heic"}[fmt]
    return f"{seed:05d}.{extension}", encode(picture, fmt)


def drifting_image(seed: int, size: tuple[int, int] = (4000, 3000)) -> Image.Image:
    """A benign picture with detail at the pixel scale, the kind whose PDQ moves when it is
    decoded reduced: a picture under fine stripes (even seeds) or noise upscaled with hard
    edges (odd seeds). Used to prove the fast path's safeguard."""
    rng = np.random.default_rng(seed)
    width, height = size
    if seed % 2:
        cells = rng.integers(0, 256, (height // rng.integers(4, 16), width // 8, 3), np.uint8)
        return Image.fromarray(cells).resize(size, Image.Resampling.NEAREST)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    angle, period = rng.uniform(0, np.pi), rng.uniform(2, 3.5)
    stripes = np.sin((np.cos(angle) * xs + np.sin(angle) * ys) * 2 * np.pi / period)
    picture = np.asarray(benign_image(seed + 10_000, size), dtype=np.float32)
    textured = picture * (0.5 + 0.5 * stripes[..., None])
    return Image.fromarray(textured.clip(0, 255).astype(np.uint8))

"""PDQ per image against python-threatexchange, and against the fastest reduced-size decode.

    .venv/bin/python benchmarks/bench_pdq.py [--photos 12] [--small 120] [--rounds 3]

Needs the `.[bench]` extra (threatexchange). One process, side by side, rounds
interleaved (the machine is shared): the median round is reported, CPU time beside wall time.

- 12 MP photos (4032x3024 JPEG q90, 4:2:0 as phones write them) with grain and fine texture:
  pytx `pdq_from_file` (decode at full size, pdqhash) against footprint's shipped path
  (`hash_image`, fast decode with its safeguard), and against a bare decode at the reduction
  footprint uses, by Pillow's draft mode and by simplejpeg (libjpeg-turbo); PyTurboJPEG too
  where its system library is found.
- 0.3 MP pictures (640x480), JPEG and PNG: the same two sides; footprint must give Meta's hash
  bit for bit on every one (at this size it decodes in full, as pytx does). Beside them, the
  decodes alone (Pillow's; simplejpeg's for JPEGs and libspng's for PNGs, which footprint uses):
  the fastest bounds the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

from _common import Comparison, report
from footprint.signals import DecodePath, hash_image
from footprint.signals.pdq import _power_of_two_scale, hamming_distance
from footprint.synthetic.images import benign_image, encode

PHOTO = (4032, 3024)
SMALL = (640, 480)


def textured_photo(seed: int, size: tuple[int, int] = PHOTO) -> Image.Image:
    """A benign picture as a phone camera leaves it: sensor grain over fine texture (weave,
    foliage-like ripples at 5-12 px), not the pixel-scale pattern that makes PDQ drift."""
    rng = np.random.default_rng(seed)
    width, height = size
    picture = np.asarray(benign_image(seed, size), dtype=np.float32)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    texture = np.zeros((height, width), dtype=np.float32)
    for _ in range(3):
        angle, period = rng.uniform(0, np.pi), rng.uniform(5, 12)
        texture += np.sin((np.cos(angle) * xs + np.sin(angle) * ys) * 2 * np.pi / period)
    grain = rng.normal(0, rng.uniform(3, 8), (height, width, 1)).astype(np.float32)
    textured = picture * (1 + 0.04 * texture[..., None]) + grain
    return Image.fromarray(textured.clip(0, 255).astype(np.uint8))


def write_corpus(folder: Path, photos: int, small: int) -> dict[str, list[Path]]:
    corpus: dict[str, list[Path]] = {"photo": [], "small-jpeg": [], "small-png": []}
    for seed in range(photos):
        path = folder / f"photo-{seed:03d}.jpg"
        path.write_bytes(encode(textured_photo(seed), "JPEG", quality=90, subsampling=2))
        corpus["photo"].append(path)
    for seed in range(small):
        picture = textured_photo(1000 + seed, SMALL)
        jpeg, png = folder / f"small-{seed:03d}.jpg", folder / f"small-{seed:03d}.png"
        jpeg.write_bytes(encode(picture, "JPEG", quality=85))
        png.write_bytes(encode(picture, "PNG"))
        corpus["small-jpeg"].append(jpeg)
        corpus["small-png"].append(png)
    return corpus


def pytx_hash(path: Path) -> str:
    from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_file

    hex_hash, _quality = pdq_from_file(path)
    return str(hex_hash)


def footprint_hash(path: Path) -> str:
    return hash_image(path.read_bytes(), decode=DecodePath.FAST).pdq.hex


@cache  # the header is read once: later rounds time the decode alone
def reduced_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        width, height = image.size
    scale = _power_of_two_scale(width, height)
    return width // scale, height // scale


def pillow_draft(path: Path) -> object:
    with Image.open(path) as image:
        image.draft("RGB", reduced_size(path))
        image.load()
        return image.size


def full_decode(path: Path) -> object:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB")).shape


def libspng_decode(path: Path) -> object:
    """The decode footprint uses for a plain PNG (imagecodecs' libspng): the same pixels."""
    import imagecodecs

    return imagecodecs.spng_decode(path.read_bytes()).shape


def simplejpeg_decode(path: Path) -> object:
    import simplejpeg

    width, height = reduced_size(path)
    return simplejpeg.decode_jpeg(path.read_bytes(), min_width=width, min_height=height).shape


def simplejpeg_full_decode(path: Path) -> object:
    """The decode footprint uses for a JPEG (libjpeg-turbo into an array): Pillow's pixels."""
    import simplejpeg

    return simplejpeg.decode_jpeg(path.read_bytes(), colorspace="RGB").shape


def turbojpeg_decoder() -> Callable[[Path], object] | None:
    """PyTurboJPEG needs libturbojpeg from the system; without it this side is left out."""
    try:
        from turbojpeg import TurboJPEG

        turbo = TurboJPEG()
    except (ImportError, RuntimeError, OSError):
        return None

    def decode(path: Path) -> object:
        width, _height = reduced_size(path)
        with Image.open(path) as image:
            full_width = image.size[0]
        factor = (1, full_width // width)
        return turbo.decode(path.read_bytes(), scaling_factor=factor).shape

    return decode


def timed_round(
    side: Callable[[Path], object], paths: list[Path]
) -> tuple[float, float, list[object]]:
    started, cpu = time.perf_counter(), time.process_time()
    outputs = [side(path) for path in paths]
    return time.perf_counter() - started, time.process_time() - cpu, outputs


def measure(
    sides: dict[str, Callable[[Path], object]], paths: list[Path], rounds: int
) -> tuple[dict[str, float], dict[str, float], dict[str, list[object]]]:
    """Median seconds per image (wall and CPU) of each side, rounds interleaved."""
    walls: dict[str, list[float]] = {name: [] for name in sides}
    cpus: dict[str, list[float]] = {name: [] for name in sides}
    outputs: dict[str, list[object]] = {}
    for _ in range(rounds):
        for name, side in sides.items():
            wall, cpu, outputs[name] = timed_round(side, paths)
            walls[name].append(wall / len(paths))
            cpus[name].append(cpu / len(paths))
    median_wall = {name: statistics.median(values) for name, values in walls.items()}
    median_cpu = {name: statistics.median(values) for name, values in cpus.items()}
    return median_wall, median_cpu, outputs


def photo_rows(paths: list[Path], rounds: int, figures: dict[str, object]) -> list[Comparison]:
    sides: dict[str, Callable[[Path], object]] = {
        "pytx pdq_from_file": pytx_hash,
        "footprint hash_image (fast, safeguarded)": footprint_hash,
        "Pillow draft decode": pillow_draft,
        "simplejpeg decode": simplejpeg_decode,
    }
    turbo = turbojpeg_decoder()
    if turbo is not None:
        sides["PyTurboJPEG decode"] = turbo
    wall, cpu, outputs = measure(sides, paths, rounds)
    anchor, ours = wall["pytx pdq_from_file"], wall["footprint hash_image (fast, safeguarded)"]
    decodes = {name: seconds for name, seconds in wall.items() if name.endswith("decode")}
    fastest = min(decodes, key=decodes.__getitem__)
    distances = [
        hamming_distance(str(a), str(b))
        for a, b in zip(outputs["pytx pdq_from_file"], outputs[footprint_side(sides)], strict=True)
    ]
    figures["photo_ms_per_image"] = {name: round(s * 1000, 1) for name, s in wall.items()}
    figures["photo_cpu_ms_per_image"] = {name: round(s * 1000, 1) for name, s in cpu.items()}
    figures["photo_distance_to_pytx_max_bits"] = max(distances)
    work = f"PDQ, {len(paths)} 12 MP JPEGs with grain and texture, one process"
    return [
        Comparison(
            work,
            "pytx pdq_from_file",
            f"{1 / anchor:.2f} img/s",
            f"{1 / ours:.2f} img/s",
            round(anchor / ours, 2),
            ">= 20x",
            anchor / ours >= 20,
        ),
        Comparison(
            work,
            f"fastest reduced decode alone ({fastest})",
            f"{decodes[fastest] * 1000:.0f} ms/img",
            f"{ours * 1000:.0f} ms/img",
            round(decodes[fastest] / ours, 2),
            ">= 0.83x (time <= 1.2x the decode)",
            ours <= 1.2 * decodes[fastest],
        ),
    ]


def footprint_side(sides: dict[str, Callable[[Path], object]]) -> str:
    return next(name for name in sides if name.startswith("footprint"))


def small_row(kind: str, paths: list[Path], rounds: int, figures: dict[str, object]) -> Comparison:
    sides: dict[str, Callable[[Path], object]] = {
        "pytx pdq_from_file": pytx_hash,
        "footprint hash_image": footprint_hash,
        "Pillow decode alone": full_decode,
    }
    if kind == "small-png":
        sides["libspng decode alone"] = libspng_decode
    else:
        sides["simplejpeg decode alone"] = simplejpeg_full_decode
    wall, cpu, outputs = measure(sides, paths, rounds)
    anchor, ours = wall["pytx pdq_from_file"], wall["footprint hash_image"]
    equal = outputs["pytx pdq_from_file"] == outputs["footprint hash_image"]
    figures[f"{kind}_ms_per_image"] = {name: round(s * 1000, 2) for name, s in wall.items()}
    figures[f"{kind}_cpu_ms_per_image"] = {name: round(s * 1000, 2) for name, s in cpu.items()}
    figures[f"{kind}_hashes_equal_to_pytx"] = equal
    # What bounds the ratio: the full decode an exact hash needs stays, however fast PDQ gets.
    decode = min(seconds for name, seconds in wall.items() if name.endswith("decode alone"))
    figures[f"{kind}_ratio_if_pdq_cost_nothing"] = round(anchor / decode, 2)
    label = "JPEG" if kind == "small-jpeg" else "PNG"
    return Comparison(
        f"PDQ, {len(paths)} 0.3 MP {label}s, one process",
        "pytx pdq_from_file",
        f"{1 / anchor:.0f} img/s",
        f"{1 / ours:.0f} img/s" + ("" if equal else " (hashes DIFFER)"),
        round(anchor / ours, 2),
        ">= 3x, hashes equal to Meta's",
        anchor / ours >= 3 and equal,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=12)
    parser.add_argument("--small", type=int, default=120)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fp-bench-pdq-") as tmp:
        corpus = write_corpus(Path(tmp), args.photos, args.small)
        figures: dict[str, object] = {
            "photos": args.photos,
            "small_pictures": args.small,
            "rounds": args.rounds,
        }
        rows = photo_rows(corpus["photo"], args.rounds, figures)
        rows.append(small_row("small-jpeg", corpus["small-jpeg"], args.rounds, figures))
        rows.append(small_row("small-png", corpus["small-png"], args.rounds, figures))
    report("pdq", figures, rows)


if __name__ == "__main__":
    main()

"""A whole scan of a mixed evidence folder against the do-it-yourself anchor, two workers each.

    .venv/bin/python benchmarks/bench_scan.py [--files 2000] [--workers 2] [--corpus DIR]

Needs the `.[bench]` extra. The folder: 70% images (JPEG and PNG, 0.3 to 12 MP, a third with
sensor noise), 30% other files (documents, archives-like blobs, 4 KB to 2 MB). The known set holds
the MD5 and PDQ of one image in 20 plus 100,000 other PDQ hashes (10% of them near-duplicates).

- anchor: what a unit would write with the usual tools: `multiprocessing` with two processes,
  hashlib MD5 + SHA-1 + SHA-256, pytx `pdq_from_bytes` on every file Pillow opens, FAISS
  `IndexBinaryFlat` range search at radius 31 and an MD5 set lookup;
- footprint: `footprint scan` through the triage service (fast decode with its safeguard,
  findings written, resumable), the same known set imported as VICS.

Both must report the same known files. Memory: the largest peak of a scan worker after the first
half of the folder and after all of it (flat in the number of files means equal).
`--corpus DIR` keeps the generated folder for the next run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from _common import Comparison, peak_child_rss_mib, report
from footprint.hashsets import ImportOptions, KnownHashStore, import_file
from footprint.synthetic.images import benign_image, encode
from footprint.triage.service import ScanRequest, scan
from footprint.triage.signals_job import SignalOptions

SIZES = [(640, 480), (1024, 768), (1600, 1200), (2048, 1536), (3000, 2000), (4032, 3024)]
VICS = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media"
RADIUS = 31


def photo(seed: int, size: tuple[int, int]) -> Image.Image:
    """A benign picture with sensor grain: drawn at half size and enlarged (drawing 12 MP
    directly costs seconds a file), grain from a tile so that it costs little more."""
    width, height = size
    base = benign_image(seed, (width // 2, height // 2)).resize(size, Image.Resampling.BICUBIC)
    tile = np.random.default_rng(seed).integers(-5, 6, (256, 256, 1), dtype=np.int16)
    grain = np.tile(tile, (height // 256 + 1, width // 256 + 1, 3))[:height, :width]
    return Image.fromarray((np.asarray(base, dtype=np.int16) + grain).clip(0, 255).astype(np.uint8))


def corpus_file(seed: int) -> tuple[str, bytes]:
    rng = random.Random(seed)
    if rng.random() >= 0.7:
        size = int(rng.uniform(4_096, 2_000_000))
        return f"{seed:05d}.{rng.choice(['pdf', 'docx', 'bin', 'txt'])}", rng.randbytes(size)
    picture = photo(seed, rng.choice(SIZES))
    if rng.random() < 0.85:
        return f"{seed:05d}.jpg", encode(picture, "JPEG", quality=rng.randint(75, 95))
    return f"{seed:05d}.png", encode(picture, "PNG")


def _write(args: tuple[Path, int]) -> None:
    folder, seed = args
    name, data = corpus_file(seed)
    (folder / ("a" if seed % 2 == 0 else "b") / name).write_bytes(data)


def make_corpus(folder: Path, files: int, workers: int) -> list[Path]:
    """Two halves, a/ and b/, so a scan of a/ alone shows memory at half the files."""
    done = folder / f"done-{files}"
    if not done.exists():
        for half in ("a", "b"):
            (folder / half).mkdir(parents=True, exist_ok=True)
        with multiprocessing.Pool(workers) as pool:
            pool.map(_write, [(folder, seed) for seed in range(files)], chunksize=8)
        done.touch()
    return sorted(p for p in folder.glob("[ab]/*") if p.is_file())


def known_set(paths: list[Path], rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """MD5s and PDQs of one image in 20, and 100,000 other PDQs (a tenth near-duplicates)."""
    from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_bytes

    images = [p for p in paths if p.suffix in (".jpg", ".png")]
    chosen = images[::20]
    md5s = [hashlib.md5(p.read_bytes()).hexdigest() for p in chosen]
    pdqs = [str(pdq_from_bytes(p.read_bytes())[0]) for p in chosen]
    others = rng.integers(0, 256, (100_000, 32), dtype=np.uint8)
    near = others[:10_000] ^ np.packbits(rng.random((10_000, 256)) < 0.04, axis=1)
    others[10_000:20_000] = near
    return md5s, pdqs + [row.tobytes().hex() for row in others]


def write_vics(path: Path, md5s: list[str], pdqs: list[str]) -> None:
    media = []
    for n, pdq in enumerate(pdqs):
        record: dict[str, Any] = {"MediaID": n, "Category": 1}
        if n < len(md5s):
            record["MD5"] = md5s[n]
        record["AlternativeHashes"] = [{"HashName": "PDQ", "HashValue": pdq}]
        media.append(record)
    path.write_text(json.dumps({"@odata.context": VICS, "value": media}))


# --- the anchor: two processes of hashlib + pytx PDQ + FAISS flat ---------------------------
_ANCHOR: dict[str, Any] = {}


def _anchor_start(md5s: list[str], pdqs: list[str]) -> None:
    import faiss

    faiss.omp_set_num_threads(1)
    index = faiss.IndexBinaryFlat(256)
    index.add(np.frombuffer(bytes.fromhex("".join(pdqs)), dtype=np.uint8).reshape(-1, 32))
    _ANCHOR.update(index=index, md5s=set(md5s))


def _anchor_file(path: Path) -> tuple[str, bool]:
    from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_bytes

    data = path.read_bytes()
    md5 = hashlib.md5(data).hexdigest()
    hashlib.sha1(data).hexdigest()
    hashlib.sha256(data).hexdigest()
    known = md5 in _ANCHOR["md5s"]
    try:
        pdq, _quality = pdq_from_bytes(data)
    except Exception:  # not an image Pillow opens: digests only
        return path.name, known
    query = np.frombuffer(bytes.fromhex(pdq), dtype=np.uint8)[None, :]
    limits, _distances, _rows = _ANCHOR["index"].range_search(query, RADIUS + 1)
    return path.name, known or bool(limits[1] > 0)


def anchor_scan(paths: list[Path], md5s: list[str], pdqs: list[str], workers: int) -> set[str]:
    with multiprocessing.Pool(workers, _anchor_start, (md5s, pdqs)) as pool:
        results = pool.imap_unordered(_anchor_file, paths, chunksize=4)
        return {name for name, known in results if known}


def footprint_scan(store: KnownHashStore, roots: list[Path], out: Path, workers: int) -> set[str]:
    scan(store, ScanRequest(roots, ["known"], out, SignalOptions(), workers))
    matched = set()
    with (out / "findings.jsonl").open() as findings:
        for line in findings:
            finding = json.loads(line)
            if finding.get("matches"):
                matched.add(Path(finding["path"]).name)
    return matched


def _scan_and_measure(work: Path, roots: list[Path], name: str, workers: int, queue: Any) -> None:
    store = KnownHashStore(work / "hs.sqlite")
    started = time.perf_counter()
    matched = footprint_scan(store, roots, work / name, workers)
    queue.put((matched, time.perf_counter() - started, peak_child_rss_mib()))


def in_child(
    work: Path, roots: list[Path], name: str, workers: int
) -> tuple[set[str], float, float]:
    """Run the scan in a fresh process, so the peak of its workers is theirs alone (not the
    generator's or the anchor's): (known files, seconds, largest worker peak in MiB)."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_scan_and_measure, args=(work, roots, name, workers, queue))
    child.start()
    result: tuple[set[str], float, float] = queue.get()
    child.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--corpus", type=Path, default=None, help="keep the folder here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fp-bench-scan-") as tmp:
        work = Path(tmp)
        corpus = args.corpus or work / "corpus"
        started = time.perf_counter()
        paths = make_corpus(corpus, args.files, args.workers)
        generate_s = time.perf_counter() - started
        corpus_mb = sum(p.stat().st_size for p in paths) / 1e6
        md5s, pdqs = known_set(paths, np.random.default_rng(2026))
        write_vics(work / "known.json", md5s, pdqs)
        store = KnownHashStore(work / "hs.sqlite")
        import_file(store, work / "known.json", "known", ImportOptions())
        store.close()
        # footprint first: its half-folder scan also loads the compiled PDQ from numba's cache
        _, _, half_peak = in_child(work, [corpus / "a"], "scan-half", args.workers)
        ours, footprint_s, full_peak = in_child(
            work, [corpus / "a", corpus / "b"], "scan", args.workers
        )

        started = time.perf_counter()
        theirs = anchor_scan(paths, md5s, pdqs, args.workers)
        anchor_s = time.perf_counter() - started
    files = len(paths)
    ratio = anchor_s / footprint_s
    figures = {
        "files": files,
        "images": sum(p.suffix in (".jpg", ".png") for p in paths),
        "corpus_mb": round(corpus_mb),
        "generate_seconds": round(generate_s, 1),
        "known_pdq_hashes": len(pdqs),
        "anchor_seconds": round(anchor_s, 1),
        "footprint_seconds": round(footprint_s, 1),
        "anchor_files_per_second": round(files / anchor_s, 2),
        "footprint_files_per_second": round(files / footprint_s, 2),
        "known_files_anchor": len(theirs),
        "known_files_footprint": len(ours),
        "same_known_files": ours == theirs,
        "worker_peak_rss_mib_after_half": round(half_peak, 1),
        "worker_peak_rss_mib_after_all": round(full_peak, 1),
    }
    row = Comparison(
        f"scan, {files:,} files (70% images 0.3-12 MP), {args.workers} workers",
        "hashlib + pytx PDQ + FAISS flat, 2 processes",
        f"{files / anchor_s:.1f} files/s",
        f"{files / footprint_s:.1f} files/s, worker peak {full_peak:.0f} MiB",
        round(ratio, 2),
        ">= 8x, same known files, memory flat",
        ratio >= 8 and ours == theirs and full_peak <= half_peak * 1.1,
    )
    report("scan", figures, [row])


if __name__ == "__main__":
    main()

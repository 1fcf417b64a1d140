"""Benign evidence folders and a 'known' set built from some of their originals."""

from __future__ import annotations

from pathlib import Path

from footprint.hashsets import ImportOptions, KnownHashStore, import_file
from footprint.hashsets.model import KnownHash, UnifiedCategory
from footprint.hashsets.vics import write_vics
from footprint.signals import digest_bytes, hash_image
from footprint.synthetic.images import benign_image, edited_copies, encode

CATEGORIES = [UnifiedCategory.A, UnifiedCategory.B, UnifiedCategory.C]


def build_case(root: Path, known_count: int = 3, unrelated: int = 3) -> tuple[Path, Path]:
    """Returns (evidence folder, VICS file of the known originals)."""
    evidence = root / "evidence"
    evidence.mkdir(parents=True)
    known = []
    for seed in range(known_count):
        picture = benign_image(seed, (400, 300))
        original = encode(picture, "JPEG", quality=92)
        digests = digest_bytes(original)
        known.append(
            KnownHash(
                record_id=str(500 + seed),
                signals={
                    "md5": digests.md5,
                    "sha1": digests.sha1,
                    "pdq": hash_image(original).pdq.hex,
                },
                category=CATEGORIES[seed % 3],
                source_scheme="uk",
                source_category=str(CATEGORIES[seed % 3]),
            )
        )
        folder = evidence / f"k{seed}"
        folder.mkdir()
        (folder / "copy.jpg").write_bytes(original)
        edits = edited_copies(picture)
        (folder / "small.jpg").write_bytes(edits["resized-half.jpg"])
        (folder / "reencoded.png").write_bytes(edits["reencoded.png"])
    other = evidence / "other"
    other.mkdir()
    for seed in range(100, 100 + unrelated):
        (other / f"u{seed}.jpg").write_bytes(encode(benign_image(seed, (300, 200)), "JPEG"))
    (other / "readme.txt").write_text("nothing here\n")
    (other / "empty.gif").write_bytes(b"")
    (other / "cut.jpg").write_bytes(encode(benign_image(7, (300, 200)), "JPEG")[:700])
    vics = root / "known.json"
    with vics.open("w") as stream:
        write_vics(known, stream, country="UK")
    return evidence, vics


def store_with_known(root: Path, vics: Path) -> KnownHashStore:
    store = KnownHashStore(root / "hashsets.sqlite")
    report = import_file(store, vics, "known", ImportOptions())
    assert report.error is None and report.imported > 0
    return store

"""PDQ as a signal kind: computed from images, matched within a Hamming radius through a
multi-index saved beside each set version (so opening a matcher is a memory map)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np

from footprint.signals.kinds import (
    HEX_RE,
    Computed,
    Content,
    IndexRows,
    SignalKind,
    SignalValueError,
    register_signal_kind,
)
from footprint.signals.media import is_image
from footprint.signals.pdq import PDQ_HEX_DIGITS, hamming_distance, hash_image
from footprint.signals.pdq_index import HASH_BYTES, IndexTables, PdqIndex, chunk_bits_for

DEFAULT_PDQ_RADIUS = 31  # ThreatExchange's recommended match distance
INDEX_TABLES = ("hashes", "ids", "order", "offsets")


class PdqKind(SignalKind):
    name: ClassVar[str] = "pdq"
    exact: ClassVar[bool] = False
    default_threshold: ClassVar[int] = DEFAULT_PDQ_RADIUS

    def validate(self, value: str) -> str:
        text = value.strip()
        if len(text) != PDQ_HEX_DIGITS or not HEX_RE.match(text):
            raise SignalValueError(f"expected {PDQ_HEX_DIGITS} hex digits, got {text[:80]!r}")
        return text.lower()

    def compute(self, content: Content) -> Computed | None:
        """Raises SignalError for an image that cannot be decoded (the finding's error)."""
        if content.data is None or not is_image(content.media_type):
            return None
        options = content.image_options
        signals = hash_image(
            content.data,
            decode=options.decode,
            orientation=options.orientation,
            dihedral=options.dihedral,
            pixel_limit=options.pixel_limit,
            near_known=options.near_known,
            safeguard=options.safeguard,
        )
        detail = {"quality": signals.pdq.quality, "pdq_path": str(signals.path)}
        # below MIN_MATCH_QUALITY there is nothing to match: the hash is kept, never looked up
        return Computed(signals.pdq.hex, tuple(signals.query_hashes()), detail)

    def distance(self, a: str, b: str) -> int:
        return hamming_distance(a, b)

    def open_index(self, rows: IndexRows, folder: Path, stem: str) -> PdqIndex:
        return PdqIndex.from_tables(IndexTables.load(self.saved_tables(rows, folder, stem)))

    @staticmethod
    def table_paths(folder: Path, stem: str) -> dict[str, Path]:
        return {name: folder / f"{stem}.{name}.npy" for name in INDEX_TABLES}

    def saved_tables(self, rows: IndexRows, folder: Path, stem: str) -> list[tuple[str, Path]]:
        """Build the index once per set version and save its tables as .npy files; build it
        again where they are missing, unreadable or laid out for another size of set."""
        paths = self.table_paths(folder, stem)
        if not _saved_as_chosen(paths):
            ids, values = rows()
            hashes = np.frombuffer(b"".join(values), dtype=np.uint8).reshape(-1, HASH_BYTES)
            tables = IndexTables.build(hashes, np.array(ids, dtype=np.int64))
            folder.mkdir(parents=True, exist_ok=True)
            for name, path in paths.items():
                tmp = path.with_name(path.name + ".tmp.npy")
                np.save(tmp, getattr(tables, name))
                tmp.replace(path)
        return list(paths.items())


def _saved_as_chosen(paths: dict[str, Path]) -> bool:
    """Whether every table is saved, the tables fit together, and they have the chunk length
    the set's size calls for now: tables saved before the length followed the size (16-bit
    chunks for every set) are built again once, where a large set answers sooner with longer
    chunks. Opening them is a memory map: nothing is read but their headers."""
    if not all(p.exists() for p in paths.values()):
        return False
    try:
        tables = IndexTables.load(paths.items())
    except (OSError, ValueError):
        return False
    return tables.chunk_bits == chunk_bits_for(len(tables.ids))


PDQ = register_signal_kind(PdqKind())

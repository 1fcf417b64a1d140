"""The fast path's near-known check, as a scan worker asks it: each set's index at radius + 32,
each hash's answer kept, since a full comparison of a national set costs about 10 ms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from footprint.signals.pdq import DRIFT_MARGIN
from footprint.signals.pdq_index import IndexTables, PdqIndex
from footprint.triage import signals_job
from footprint.triage.signals_job import KnownPdq, SignalOptions, near_known


def saved_set(folder: Path, hashes: np.ndarray, radius: int) -> KnownPdq:
    tables = IndexTables.build(hashes, np.arange(len(hashes), dtype=np.int64))
    paths = []
    for name in ("hashes", "ids", "order", "offsets"):
        np.save(folder / f"{name}.npy", getattr(tables, name))
        paths.append((name, str(folder / f"{name}.npy")))
    return KnownPdq(tuple(paths), radius)


def flipped(base: np.ndarray, bits: int) -> str:
    unpacked = np.unpackbits(base.copy())
    unpacked[:bits] ^= 1
    return np.packbits(unpacked).tobytes().hex()


def test_near_known_answers_per_hash_and_asks_each_index_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(11)
    hashes = rng.integers(0, 256, (300, 32), dtype=np.uint8)
    known = saved_set(tmp_path, hashes, radius=31)
    asked: list[int] = []
    original = PdqIndex.query

    def counted(self: PdqIndex, query: np.ndarray | str, radius: int, **kw: object) -> object:
        asked.append(radius)
        return original(self, query, radius, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(PdqIndex, "query", counted)
    signals_job._is_near.cache_clear()
    near = near_known(SignalOptions(known_pdq=(known,)))
    assert near is not None
    edge, beyond = flipped(hashes[5], 31 + DRIFT_MARGIN), flipped(hashes[5], 32 + DRIFT_MARGIN)
    assert near(edge) and near(edge)  # asked twice, looked up once
    assert asked == [31 + DRIFT_MARGIN]
    assert not near(beyond)
    assert len(asked) == 2
    # another scan's sets are another question, never answered from this one's
    (tmp_path / "other").mkdir()
    other = saved_set(tmp_path / "other", hashes[6:7], radius=31)
    near_other = near_known(SignalOptions(known_pdq=(other,)))
    assert near_other is not None and not near_other(edge)
    assert len(asked) == 3
    assert near_known(SignalOptions()) is None

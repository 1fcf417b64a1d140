from __future__ import annotations

from pathlib import Path

import numpy as np

from footprint.hashsets import ImportOptions, KnownHashStore, import_file
from tests.hashsets.vics_samples import PDQ_A, media, write_hashset

NEAR_A = "f8f8f0cee0f4a84f06370a2a038f63f0b36e26d596621e1d33e6b39c4e9c9b22"


def pdq_media(n: int, pdq: str) -> dict[str, object]:
    return media(n, AlternativeHashes=[{"HashName": "PDQ", "HashValue": pdq}])


def test_pdq_tables_are_saved_per_version_and_reopened(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    noise = [rng.integers(0, 256, 32, dtype=np.uint8).tobytes().hex() for _ in range(50)]
    items = [pdq_media(1, PDQ_A)] + [pdq_media(n + 2, h) for n, h in enumerate(noise)]
    store = KnownHashStore(tmp_path / "hs.sqlite")
    import_file(store, write_hashset(tmp_path / "a.json", items), "s", ImportOptions())
    sidecars = sorted(p.name for p in store.sidecar_dir.iterdir())
    assert sidecars == [f"set1.v1.{n}.npy" for n in ("hashes", "ids", "offsets", "order")]
    matcher, _ = store.open_matcher(["s"])
    first = matcher.match({}, [NEAR_A]).matches
    store.close()

    reopened = KnownHashStore(tmp_path / "hs.sqlite")
    matcher, _ = reopened.open_matcher(["s"])
    assert matcher.match({}, [NEAR_A]).matches == first
    assert [(m.record_id, m.distance) for m in first] == [("1", 2)]

    # a new version replaces the old tables; lost tables are rebuilt on open
    import_file(
        reopened, write_hashset(tmp_path / "b.json", [pdq_media(99, NEAR_A)]), "s", ImportOptions()
    )
    assert all(".v2." in p.name for p in reopened.sidecar_dir.iterdir())
    for path in reopened.sidecar_dir.iterdir():
        path.unlink()
    matcher, _ = reopened.open_matcher(["s"])
    assert [m.record_id for m in matcher.match({}, [NEAR_A]).matches] == ["99", "1"]
    reopened.close()

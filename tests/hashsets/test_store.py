from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from footprint.hashsets import ImportOptions, KnownHashStore, import_file
from footprint.signals.pdq_index import IndexTables
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
    first = matcher.match({"pdq": [NEAR_A]}).matches
    store.close()

    reopened = KnownHashStore(tmp_path / "hs.sqlite")
    matcher, _ = reopened.open_matcher(["s"])
    assert matcher.match({"pdq": [NEAR_A]}).matches == first
    assert [(m.record_id, m.distance) for m in first] == [("1", 2)]

    # a new version replaces the old tables; lost tables are rebuilt on open
    import_file(
        reopened, write_hashset(tmp_path / "b.json", [pdq_media(99, NEAR_A)]), "s", ImportOptions()
    )
    assert all(".v2." in p.name for p in reopened.sidecar_dir.iterdir())
    for path in reopened.sidecar_dir.iterdir():
        path.unlink()
    matcher, _ = reopened.open_matcher(["s"])
    assert [m.record_id for m in matcher.match({"pdq": [NEAR_A]}).matches] == ["99", "1"]
    reopened.close()


def test_saved_tables_in_another_layout_or_damaged_are_built_again(tmp_path: Path) -> None:
    """Tables saved with the chunk length of another size of set (as every large set's were
    before the length followed the size), or left unreadable, are built again on open."""
    rng = np.random.default_rng(4)
    noise = [rng.integers(0, 256, 32, dtype=np.uint8).tobytes().hex() for _ in range(30)]
    items = [pdq_media(1, PDQ_A)] + [pdq_media(n + 2, h) for n, h in enumerate(noise)]
    store = KnownHashStore(tmp_path / "hs.sqlite")
    import_file(store, write_hashset(tmp_path / "a.json", items), "s", ImportOptions())
    offsets_path = store.sidecar_dir / "set1.v1.offsets.npy"
    order_path = store.sidecar_dir / "set1.v1.order.npy"
    assert np.load(offsets_path).shape == (16, (1 << 16) + 1)  # 31 hashes: 16-bit chunks
    hashes = np.load(store.sidecar_dir / "set1.v1.hashes.npy")
    other = IndexTables.build(hashes, np.load(store.sidecar_dir / "set1.v1.ids.npy"), 17)
    np.save(offsets_path, other.offsets)
    np.save(order_path, other.order)
    matcher, _ = store.open_matcher(["s"])
    assert np.load(offsets_path).shape == (16, (1 << 16) + 1)
    assert [(m.record_id, m.distance) for m in matcher.match({"pdq": [NEAR_A]}).matches] == [
        ("1", 2)
    ]

    offsets_path.write_bytes(b"not a table")
    matcher, _ = store.open_matcher(["s"])
    assert np.load(offsets_path).shape == (16, (1 << 16) + 1)
    assert [m.record_id for m in matcher.match({"pdq": [NEAR_A]}).matches] == ["1"]

    ids_path = store.sidecar_dir / "set1.v1.ids.npy"
    np.save(ids_path, np.load(ids_path)[:-1])  # tables that no longer fit together
    matcher, _ = store.open_matcher(["s"])
    assert len(np.load(ids_path)) == 31
    assert [m.record_id for m in matcher.match({"pdq": [NEAR_A]}).matches] == ["1"]
    store.close()


def test_a_store_written_with_a_column_per_kind_opens_with_its_signals_as_rows(
    tmp_path: Path,
) -> None:
    """Examiners' machines hold stores from before signals were (kind, value) rows: opening one
    moves every digest and PDQ over, in one transaction, and matches as before."""
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript(
        """
        CREATE TABLE hash_sets (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL, pdq_radius INTEGER NOT NULL, version INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL, meta TEXT NOT NULL DEFAULT '{}');
        CREATE TABLE known_hashes (id INTEGER PRIMARY KEY, set_id INTEGER NOT NULL,
            dedupe_key BLOB NOT NULL, record_id TEXT, md5 BLOB, sha1 BLOB, sha256 BLOB, pdq BLOB,
            photodna TEXT, source_scheme TEXT, source_category TEXT, category TEXT NOT NULL,
            victim_identified INTEGER, offender_identified INTEGER, distributed INTEGER,
            series TEXT, date_updated TEXT, votes TEXT, extra TEXT);
        CREATE UNIQUE INDEX known_hashes_key ON known_hashes(set_id, dedupe_key);
        CREATE INDEX known_hashes_md5 ON known_hashes(md5) WHERE md5 IS NOT NULL;
        INSERT INTO hash_sets VALUES (1, 'old', 'known', 31, 3, 't', 't', '{}');
        """
    )
    md5 = bytes.fromhex("ab" * 16)
    old.execute(
        "INSERT INTO known_hashes (id, set_id, dedupe_key, record_id, md5, pdq, category) "
        "VALUES (7, 1, ?, 'r7', ?, ?, 'A')",
        (b"m" + md5, md5, bytes.fromhex(PDQ_A)),
    )
    old.commit()
    old.close()
    store = KnownHashStore(path)
    [record] = list(store.records(1))
    assert record.signals == {"md5": "ab" * 16, "pdq": PDQ_A} and record.record_id == "r7"
    columns = {r[1] for r in store.db.execute("PRAGMA table_info(known_hashes)")}
    assert not columns & {"md5", "sha1", "sha256", "pdq"}
    matcher, _ = store.open_matcher(["old"])
    found = matcher.match({"md5": ["ab" * 16], "pdq": [NEAR_A]}).matches
    assert [(m.kind, m.record_id) for m in found] == [("md5", "r7"), ("pdq", "r7")]
    store.close()
    assert next(KnownHashStore(path).records(1)).signals == record.signals  # opens again

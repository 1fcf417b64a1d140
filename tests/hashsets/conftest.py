from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from footprint.hashsets import KnownHash, KnownHashStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[KnownHashStore]:
    known = KnownHashStore(tmp_path / "store.sqlite")
    yield known
    known.close()


def records_of(store: KnownHashStore, name: str) -> list[KnownHash]:
    return list(store.records(store.get_set(name).id))

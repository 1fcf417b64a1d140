"""The evidence registry: a source that cannot look at a root does not stop the walk, and a
locator no source can open is refused by name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, ClassVar

import pytest

from footprint.evidence import (
    EvidenceError,
    EvidenceFile,
    EvidenceSource,
    Locator,
    WalkProblem,
    open_locator,
    register_evidence_source,
    unregister_evidence_source,
    walk_evidence,
)


class Unreadable(EvidenceSource):
    name: ClassVar[str] = "unreadable"

    def claims(self, root: Path) -> bool:
        raise PermissionError(13, "Permission denied")

    def walk(self, root: Path) -> Iterator[EvidenceFile | WalkProblem]:
        raise AssertionError("never claimed")

    def open(self, locator: Locator) -> BinaryIO:
        raise AssertionError("never opened")


def test_a_source_that_cannot_look_leaves_the_root_to_the_folder_source(tmp_path: Path) -> None:
    (tmp_path / "a.bin").write_bytes(b"a")
    register_evidence_source(Unreadable())
    try:
        found = [i for i in walk_evidence([tmp_path]) if isinstance(i, EvidenceFile)]
    finally:
        unregister_evidence_source("unreadable")
    assert [(Path(f.path).name, f.locator.source) for f in found] == [("a.bin", "folder")]


def test_a_locator_of_an_unknown_source_is_refused_by_name() -> None:
    with pytest.raises(EvidenceError, match="unknown evidence source 'tape'"):
        open_locator(Locator("tape", "/dev/st0"))

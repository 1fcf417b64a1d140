"""A worker works out each content's picture signals once: a seized device holds the same
picture many times (copies, backups, caches), and decoding it again gives the same answer."""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest

from footprint.evidence import EvidenceFile, walk_evidence
from footprint.signals import DecodePath
from footprint.signals.pdq_kind import PdqKind
from footprint.synthetic.images import benign_image, encode
from footprint.triage import signals_job
from footprint.triage.signals_job import SignalOptions, signals_for_file


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sizes of the contents the PDQ kind was asked to hash, in order."""
    asked: list[str] = []
    original = PdqKind.compute

    def counted(self: PdqKind, content: Any) -> Any:
        asked.append(content.digests.sha256)
        return original(self, content)

    monkeypatch.setattr(PdqKind, "compute", counted)
    monkeypatch.setattr(signals_job, "_kept", type(signals_job._kept)())
    return asked


def device(root: Path) -> dict[str, EvidenceFile]:
    photo = encode(benign_image(3, (640, 480)), "JPEG", quality=90)
    other = encode(benign_image(4, (640, 480)), "JPEG", quality=90)
    files = {
        "photo.jpg": photo,
        "backup/photo (1).jpg": photo,
        "cache/0001.jpg": photo,
        "other.jpg": other,
        "cut.jpg": photo[: len(photo) // 3],
        "cache/cut.jpg": photo[: len(photo) // 3],
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    walked = [i for i in walk_evidence([root]) if isinstance(i, EvidenceFile)]
    return {str(Path(i.path).relative_to(root)): i for i in walked}


def without_place(finding: dict[str, Any]) -> dict[str, Any]:
    return deepcopy({k: v for k, v in finding.items() if k not in ("path", "locator")})


def test_each_content_is_hashed_once_and_every_copy_gets_the_same_finding(
    tmp_path: Path, decodes: list[str]
) -> None:
    files = device(tmp_path)
    options = SignalOptions(decode=DecodePath.FAST)
    found = {name: signals_for_file(item, options) for name, item in sorted(files.items())}
    assert len(decodes) == 3 == len(set(decodes))  # photo, other, the cut photo
    photo = without_place(found["photo.jpg"])
    assert photo["signals"]["pdq"] and photo["error"] is None
    assert without_place(found["backup/photo (1).jpg"]) == photo
    assert without_place(found["cache/0001.jpg"]) == photo
    assert found["other.jpg"]["signals"]["pdq"] != photo["signals"]["pdq"]
    cut = without_place(found["cut.jpg"])
    assert cut["error"]["code"] == "truncated" and without_place(found["cache/cut.jpg"]) == cut
    # a finding is its own: changing one leaves the kept answer and the other copies alone
    found["photo.jpg"]["signal_details"]["pdq"]["quality"] = -1
    found["photo.jpg"]["_query"]["pdq"].append("00" * 32)
    again = signals_for_file(files["cache/0001.jpg"], options)
    assert without_place(again) == photo and len(decodes) == 3


def test_another_scans_options_and_a_full_store_work_it_out_again(
    tmp_path: Path, decodes: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    files = device(tmp_path)
    fast, exact = SignalOptions(decode=DecodePath.FAST), SignalOptions(decode=DecodePath.EXACT)
    signals_for_file(files["photo.jpg"], fast)
    signals_for_file(files["photo.jpg"], exact)  # another decode path: another answer
    assert len(decodes) == 2
    monkeypatch.setattr(signals_job, "CONTENTS_KEPT", 1)
    signals_for_file(files["other.jpg"], fast)  # the oldest answers make room
    signals_for_file(files["photo.jpg"], fast)
    assert len(decodes) == 4

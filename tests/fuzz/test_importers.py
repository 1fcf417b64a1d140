"""Every importer fed hostile bytes, as a hostile user would write them: valid files mutated
(bytes flipped, cut, spliced, repeated), hostile fragments spliced in (very long numbers, deep
nesting, long strings, NULs) and plain noise. Whatever comes in: no exception escapes, memory
stays under a bound, a failure names the file, and a file that yields nothing is an error,
never a silent success. Examples are bounded and derandomised, so a run is reproducible."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footprint.hashsets import ImportOptions, KnownHashStore
from footprint.hashsets.service import import_file
from footprint.operations.intake import import_referrals
from footprint.operations.service import create_operation
from footprint.security.actor import Actor
from footprint.store import Database
from tests.fuzz.mutations import hostile_variants
from tests.hashsets.ncmec_samples import ncmec_entries, ncmec_image
from tests.hashsets.test_other_formats import make_nsrl
from tests.hashsets.vics_samples import PDQ_A, md5_of, media, write_hashset
from tests.operations.cybertip_samples import cybertip_file, cybertip_report, file_details
from tests.operations.samples import referral

R = TypeVar("R")
MEMORY_BOUND = 64 * 2**20  # bytes Python may allocate while importing one small file
FUZZ = settings(
    max_examples=40,
    deadline=None,  # nothing here depends on time
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _samples(folder: Path) -> dict[str, bytes]:
    vics = write_hashset(folder / "v.json", [media(1), media(2, Category=None)]).read_bytes()
    icse = (
        b"MD5;SHA1;PhotoDNA;Image ID;Is distributed;Victim identified;Offender identified;"
        b"Series name;Number of submissions;File Available;Media Type;Baseline\n"
        + f"{md5_of(3)};;;7;true;false;false;;1;true;image;\n".encode()
    )
    return {
        "vics": vics,
        "icse": icse,
        "csv": f"md5,category\n{md5_of(4)},A\n{md5_of(5)},C\n".encode(),
        "pdq-list": f"{PDQ_A}\n{'0f' * 32},series\n".encode(),
        "nsrl": make_nsrl(folder / "rds.db").read_bytes(),
        "ncmec": ncmec_entries(
            [ncmec_image("e1", md5=md5_of(6), pdq=PDQ_A), ncmec_image("e2", md5=md5_of(7))],
            deleted=["e0"],
        ).encode(),
    }


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return _samples(tmp_path_factory.mktemp("samples"))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[KnownHashStore]:
    opened = KnownHashStore(tmp_path / "store.sqlite")
    yield opened
    opened.close()


def _bounded(work: Callable[[], R]) -> R:
    tracemalloc.start()
    try:
        result = work()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BOUND, f"{peak:,} bytes"
    return result


@pytest.mark.parametrize("kind", ["vics", "icse", "csv", "pdq-list", "nsrl", "ncmec", None])
@FUZZ
@given(data=st.data())
def test_a_hash_set_importer_survives_any_file(
    kind: str | None, data: st.DataObject, samples: dict[str, bytes], store: KnownHashStore,
    tmp_path: Path,
) -> None:  # fmt: skip
    seed = samples[kind or "vics"]
    content = data.draw(hostile_variants(seed), label="content")
    path = tmp_path / "fuzzed.input"
    path.write_bytes(content)
    scheme = kind if kind in ("icse", "csv", "nsrl", "pdq-list", "ncmec") else None
    before = store.versions().get("fuzz", 0)
    report = _bounded(lambda: import_file(store, path, "fuzz", ImportOptions(scheme=scheme)))
    after = store.versions().get("fuzz", 0)
    if report.error is not None:
        assert "fuzzed.input" in report.error and report.imported == 0
        assert after == before  # nothing of a failed import stays
    else:
        said = report.imported + report.merged + len(report.skipped) + len(report.warnings)
        assert said + report.removed > 0  # never silent
        # a new version when records were added; an import of nothing new keeps the old one
        assert after == before + 1 if report.imported else after in (before, before + 1)
        assert report.version == after
        for skipped in report.skipped:
            assert skipped.record >= 1 and skipped.field and skipped.reason


@pytest.fixture
def operation(database: Database) -> str:
    with database.unit_of_work() as session:
        create_operation(session, Actor.system(), "Op Fuzz", date(2026, 10, 1))
    return "Op Fuzz"


def _referral_samples() -> dict[str, bytes]:
    array = json.dumps([referral(1), referral(2)]).encode()
    lines = "\n".join(json.dumps(referral(n)) for n in (3, 4)).encode()
    p2p = b"ip,port,timestamp,client_id,md5\n203.0.113.9,6881,2026-10-01T12:00:00Z,abc," + (
        md5_of(9).encode() + b"\n"
    )
    xml = cybertip_file(cybertip_report(5, 5), outside=file_details("5", 6)).encode()
    return {"json-array": array, "json-lines": lines, "p2p-csv": p2p, "cybertip-xml": xml}


@pytest.mark.parametrize("shape", ["json-array", "json-lines", "p2p-csv", "cybertip-xml"])
@FUZZ
@given(data=st.data())
def test_the_referral_importer_survives_any_file(
    shape: str, data: st.DataObject, database: Database, operation: str, tmp_path: Path
) -> None:
    content = data.draw(hostile_variants(_referral_samples()[shape]), label="content")
    path = tmp_path / "fuzzed-tips.input"
    path.write_bytes(content)
    report = _bounded(lambda: import_referrals(database, Actor.system(), operation, path))
    if report.error is not None:
        assert "fuzzed-tips.input" in report.error
    assert (
        report.error is not None or report.imported + report.already_present > 0 or (report.skipped)
    )  # never silent
    for skipped in report.skipped:
        assert skipped.record >= 1 and skipped.field and skipped.reason

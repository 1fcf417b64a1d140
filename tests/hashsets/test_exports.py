"""Every format footprint can read, it can write: a set goes out and comes back as it was, as far
as the format carries it (docs/formats.md says what each one carries)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from footprint.hashsets import ImportOptions, KnownHash, KnownHashStore, UnifiedCategory
from footprint.hashsets.formats import detect_format, hashset_formats
from footprint.hashsets.service import export_set, import_file
from tests.hashsets.conftest import records_of
from tests.hashsets.vics_samples import PDQ_A, md5_of, media, write_case, write_hashset

PDQ_B = "0f" * 32
SHA256 = "ab" * 32
U = UnifiedCategory


def _votes(*categories: str) -> list[dict[str, str]]:
    return [
        {"grader": f"examiner{n}", "category": c, "voted_at": f"2026-11-0{n}T10:00:00+00:00"}
        for n, c in enumerate(categories, start=1)
    ]


def rich_set(tmp_path: Path, store: KnownHashStore, name: str = "rich") -> list[KnownHash]:
    """A set with every field a record can hold: VICS records with all their hashes, flags,
    votes, an unknown category code and fields of their own; plain-CSV records without MD5."""
    alternatives = [
        {"HashName": "PDQ", "HashValue": PDQ_A},
        {"HashName": "SHA256", "HashValue": SHA256},
        {"HashName": "MD5-of-first-MB", "HashValue": "x"},
    ]
    items = [
        media(
            1,
            AlternativeHashes=alternatives,
            PhotoDNA="AAEC",
            SHA1="BB" * 20,
            Series='Blue; "quoted", and comma',
            DateUpdated="2024-05-01T10:00:00Z",
            MediaFiles=[{"FileName": "a.jpg", "Deleted": True}],
        ),
        media(2, Category=0, VictimIdentified=None, Tags="x", Comments="checked\nsecond line"),
        media(3, Category=9),  # outside the VICS scheme: kept as the source, uncategorised
        media(4, **{"footprint:Category": "A", "footprint:GradingVotes": _votes("A", "A")}),
    ]
    import_file(store, write_hashset(tmp_path / f"{name}.json", items), name, ImportOptions())
    plain = tmp_path / f"{name}.csv"
    plain.write_text(
        f"record_id,pdq,sha256,category,victim_identified,note\nP1,{PDQ_B},,B,true,seen twice\n"
        f"P2,,{'cd' * 32},non-pertinent,,\n"
    )
    report = import_file(store, plain, name, ImportOptions(scheme="csv"))
    assert report.imported == 2 and report.skipped == []
    return records_of(store, name)


def export_text(store: KnownHashStore, name: str, fmt: str, shape: str = "hashset") -> str:
    out = io.StringIO()
    export_set(store, name, out, shape, fmt)
    return out.getvalue()


def reimport(tmp_path: Path, store: KnownHashStore, text: str, name: str) -> list[KnownHash]:
    path = tmp_path / f"{name}.out"
    path.write_text(text)
    report = import_file(store, path, name, ImportOptions())
    assert report.error is None and report.skipped == [], report
    return records_of(store, name)


def test_every_format_that_reads_writes_too_but_the_two_that_cannot() -> None:
    """NSRL is NIST's database and a vPDQ file is one video: neither is a set to send out."""
    read_only = {f.name for f in hashset_formats() if not f.writable}
    assert read_only == {"nsrl", "vpdq"}


@pytest.mark.parametrize(
    ("fmt", "shape"),
    [
        ("vics", "hashset"),
        ("vics", "case"),
        ("vics-1.3", "hashset"),
        ("vics-1.3", "case"),
        ("csv", "hashset"),
    ],
)
def test_a_loss_free_format_brings_every_record_back_as_it_was(
    tmp_path: Path, store: KnownHashStore, fmt: str, shape: str
) -> None:
    original = rich_set(tmp_path, store)
    text = export_text(store, "rich", fmt, shape)
    copy = reimport(tmp_path, store, text, "copy")
    assert copy == original
    assert copy[0].extra["_other_alternative_hashes"][0]["HashName"] == "MD5-of-first-MB"
    assert [r.category for r in copy] == [
        U.INDECENT_UNCATEGORISED,
        U.NON_PERTINENT,
        U.UNCATEGORISED,
        U.A,
        U.B,
        U.NON_PERTINENT,
    ]
    assert (copy[2].source_scheme, copy[2].source_category) == ("vics", "9")
    assert [v.category for v in copy[3].votes] == [U.A, U.A]
    assert export_text(store, "copy", fmt, shape) == text  # and out again, byte for byte


@pytest.mark.parametrize(
    ("fmt", "header"), [("vics", '"@odata.context"'), ("vics-1.3", '"odata.metadata"')]
)
def test_vics_versions_write_their_own_header(
    tmp_path: Path, store: KnownHashStore, fmt: str, header: str
) -> None:
    rich_set(tmp_path, store)
    text = export_text(store, "rich", fmt)
    version = "1.3" if fmt == "vics-1.3" else "2.0"
    assert text.startswith("{" + header) and f"/{version}.xml/US/$metadata#Media" in text
    assert detect_format(_written(tmp_path, text)).name == "vics"


def test_icse_carries_hashes_flags_and_baseline(tmp_path: Path, store: KnownHashStore) -> None:
    original = rich_set(tmp_path, store)
    text = export_text(store, "rich", "icse")
    assert text.splitlines()[0].startswith("MD5;SHA1;PhotoDNA;Image ID;")
    assert detect_format(_written(tmp_path, text)).name == "icse"
    copy = reimport(tmp_path, store, text, "copy")
    carried = (
        "record_id",
        "photodna",
        "victim_identified",
        "offender_identified",
        "distributed",
        "series",
    )
    for before, after in zip(original, copy, strict=True):
        assert {k: before.signals.get(k) for k in ("md5", "sha1", "sha256", "pdq")} == {
            k: after.signals.get(k) for k in ("md5", "sha1", "sha256", "pdq")
        }
        assert [getattr(after, f) for f in carried] == [getattr(before, f) for f in carried]
    # ICSE has no category: what a person or a scheme called indecent comes back as baseline
    assert [r.category for r in copy] == [
        U.INDECENT_UNCATEGORISED,
        U.UNCATEGORISED,
        U.UNCATEGORISED,
        U.INDECENT_UNCATEGORISED,
        U.INDECENT_UNCATEGORISED,
        U.UNCATEGORISED,
    ]


def test_an_icse_file_goes_out_as_it_came_in(tmp_path: Path, store: KnownHashStore) -> None:
    source = tmp_path / "icse.csv"
    source.write_text(
        "MD5;SHA1;PhotoDNA;Image ID;Is distributed;Victim identified;Offender identified;"
        "Series name;Number of submissions;File Available;Media Type;Baseline\n"
        f"{md5_of(1)};{'aa' * 20};;IMG-1;true;false;;Series 1;3;yes;image;true\n"
        f"{md5_of(2)};;QUJD;IMG-2;;;true;;;;video;false\n"
    )
    assert import_file(store, source, "icse", ImportOptions()).imported == 2
    copy = reimport(tmp_path, store, export_text(store, "icse", "icse"), "copy")
    assert copy == records_of(store, "icse")
    assert copy[0].extra == {
        "Number of submissions": "3",
        "File Available": "yes",
        "Media Type": "image",
    }


def test_a_pdq_list_carries_every_pdq_and_nothing_else(
    tmp_path: Path, store: KnownHashStore
) -> None:
    rich_set(tmp_path, store)
    text = export_text(store, "rich", "pdq-list")
    assert text.startswith("# PDQ of set rich v2, from footprint\n")
    assert text.splitlines()[1:] == [PDQ_A, PDQ_B]
    path = _written(tmp_path, text)
    report = import_file(store, path, "copy", ImportOptions())
    assert (report.format, report.imported) == ("pdq-list", 2)
    assert [r.pdq for r in records_of(store, "copy")] == [PDQ_A, PDQ_B]


def test_a_case_export_keeps_the_case_it_came_in(tmp_path: Path, store: KnownHashStore) -> None:
    write_case(tmp_path / "case.json", [media(n) for n in range(1, 4)])
    import_file(store, tmp_path / "case.json", "case", ImportOptions())
    text = export_text(store, "case", "vics-1.3", "case")
    case = json.loads(text)["value"][0]
    assert (case["CaseNumber"], case["TotalMediaFiles"], len(case["Media"])) == (
        "OP-NOTARISE-0001",
        3,
        3,
    )


def test_a_csv_cell_that_is_not_what_the_export_writes_is_named(
    tmp_path: Path, store: KnownHashStore
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "md5,category,votes,extra\n"
        f"{md5_of(1)},A,not json,\n"
        f'{md5_of(2)},A,"[{{""grader"": ""g""}}]",\n'
        f'{md5_of(3)},A,,"[1, 2]"\n'
        f'{md5_of(4)},A,"[{{""grader"": ""g"", ""category"": ""A""}}]","{{""k"": 1}}"\n'
    )
    report = import_file(store, path, "bad", ImportOptions(scheme="csv"))
    assert [(s.record, s.field) for s in report.skipped] == [
        (2, "votes"),
        (3, "votes"),
        (4, "extra"),
    ]
    assert "not JSON" in report.skipped[0].reason
    assert "expected a JSON dict, got list" in report.skipped[2].reason
    (kept,) = records_of(store, "bad")
    assert (kept.votes[0].grader, kept.extra) == ("g", {"k": 1})


def test_records_with_no_md5_still_travel_as_vics(tmp_path: Path, store: KnownHashStore) -> None:
    items: list[dict[str, Any]] = [
        {"MediaID": 7, "SHA1": "cc" * 20},
        {"MediaID": 8, "PhotoDNA": "QUJD"},
        {"MediaID": 9},
    ]
    report = import_file(store, write_hashset(tmp_path / "m.json", items), "m", ImportOptions())
    assert report.imported == 2
    assert [(s.record, s.field) for s in report.skipped] == [(3, "MD5")]
    assert "no other hash" in report.skipped[0].reason
    assert [r.record_id for r in records_of(store, "m")] == ["7", "8"]


def _written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sniff.out"
    path.write_text(text)
    return path

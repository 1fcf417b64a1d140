from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from footprint.hashsets import (
    ImportOptions,
    KnownHashStore,
    UnifiedCategory,
    export_set,
    import_file,
)
from footprint.hashsets.schemes import parse_uk_codes
from tests.hashsets.conftest import records_of
from tests.hashsets.vics_samples import (
    BASE,
    PDQ_A,
    md5_of,
    media,
    write_case,
    write_hashset,
)


@pytest.mark.parametrize("version", ["1.2", "1.3", "2.0"])
def test_each_version_imports(tmp_path: Path, store: KnownHashStore, version: str) -> None:
    path = write_hashset(tmp_path / "s.json", [media(1), media(2, Category=None)], version)
    report = import_file(store, path, "s", ImportOptions())
    assert (report.imported, report.skipped, report.error) == (2, [], None)
    assert report.header["version"] == version and report.header["shape"] == "hashset"
    first, second = records_of(store, "s")
    assert first.md5 == md5_of(1)  # upper-case hex stored lower-case
    assert first.category is UnifiedCategory.INDECENT_UNCATEGORISED
    assert first.victim_identified is False and first.offender_identified is True
    assert first.distributed is True
    assert second.category is UnifiedCategory.UNCATEGORISED  # null category
    assert first.extra["MediaSize"] == 1001


def test_bom_and_string_booleans(tmp_path: Path, store: KnownHashStore) -> None:
    path = write_hashset(
        tmp_path / "bom.json", [media(5, IsDistributed="TRUE", VictimIdentified="0")], bom=True
    )
    report = import_file(store, path, "bom", ImportOptions())
    assert report.imported == 1
    (record,) = records_of(store, "bom")
    assert record.distributed is True and record.victim_identified is False


def test_bad_records_are_skipped_with_number_field_and_reason(
    tmp_path: Path, store: KnownHashStore
) -> None:
    items: list[Any] = [
        media(1),
        media(2, MD5="not-a-hash"),
        {"MediaID": 3, "Category": 1},
        media(4, Category=9),
        media(5, IsDistributed="perhaps"),
        "a string, not an object",
        media(7, SHA1="abc"),  # bad secondary hash: kept, field dropped, warned
    ]
    report = import_file(store, write_hashset(tmp_path / "b.json", items), "b", ImportOptions())
    skipped = [(s.record, s.field) for s in report.skipped]
    assert skipped == [(2, "md5"), (3, "MD5"), (5, "IsDistributed"), (6, "Media")]
    assert "32 hex digits" in report.skipped[0].reason
    assert [(w.record, w.field) for w in report.warnings] == [(7, "sha1"), (0, "Category")]
    assert "category '9' is not defined in the vics scheme" in report.warnings[1].reason
    assert report.imported == 3
    assert {r.md5 for r in records_of(store, "b")} == {md5_of(1), md5_of(4), md5_of(7)}


def test_alternative_hashes_carry_pdq_and_sha256(tmp_path: Path, store: KnownHashStore) -> None:
    sha256 = "ab" * 32
    alt = [
        {"HashName": "PDQ", "HashValue": PDQ_A.upper()},
        {"HashName": "SHA256", "HashValue": sha256},
        {"HashName": "MD5-of-first-MB", "HashValue": "x"},
    ]
    path = write_hashset(tmp_path / "a.json", [media(1, AlternativeHashes=alt, PhotoDNA="QUJD")])
    import_file(store, path, "a", ImportOptions())
    (record,) = records_of(store, "a")
    assert record.pdq == PDQ_A and record.sha256 == sha256
    assert record.photodna == "QUJD"  # stored as given, never computed
    # a name no signal kind reads is kept, and written back where it came from
    assert record.extra["_other_alternative_hashes"] == [alt[2]]
    out = io.StringIO()
    export_set(store, "a", out)
    written = json.loads(out.getvalue())["value"][0]["AlternativeHashes"]
    assert {"HashName": "MD5-of-first-MB", "HashValue": "x"} in written
    assert {"HashName": "PDQ", "HashValue": PDQ_A} in written


@pytest.mark.parametrize(
    ("key", "context", "version", "country"),
    [
        ("odata.metadata", f"{BASE}/1.2.xml/US/$metadata#Media", "1.2", "US"),
        ("odata.metadata", f"{BASE}/1.3.xml/$metadata#Media", "1.3", None),
        ("odata.metadata", f"{BASE}/1.3.xml#Media", "1.3", None),
        (
            "odata.metadata",
            "http://github.com/ICMEC/ProjectVic/DataModels/1.1.xml/UK/$metadata#Media",
            "1.1",
            "UK",
        ),
        ("@odata.context", f"{BASE}/2.0.xml/$metadata#Media", "2.0", None),
        ("Odata.Metadata", "$metadata#Media", None, None),
    ],
)
def test_real_header_shapes_import(
    tmp_path: Path,
    store: KnownHashStore,
    key: str,
    context: str,
    version: str | None,
    country: str | None,
) -> None:
    path = tmp_path / "h.json"
    path.write_text(json.dumps({key: context, "value": [media(1), media(2, Category=0)]}))
    report = import_file(store, path, "h", ImportOptions(uk_codes=parse_uk_codes("1=A")))
    assert (report.imported, report.skipped, report.error) == (2, [], None)
    assert report.header.get("version") == version
    assert report.header.get("country") == country
    expected = UnifiedCategory.A if country == "UK" else UnifiedCategory.INDECENT_UNCATEGORISED
    assert records_of(store, "h")[0].category is expected


def test_field_names_in_any_case_are_read(tmp_path: Path, store: KnownHashStore) -> None:
    item = {"mediaId": 4, "Md5": md5_of(4), "category": 1, "sha1": "bb" * 20, "isdistributed": 1}
    path = write_hashset(tmp_path / "lower.json", [item], version="1.2")
    assert import_file(store, path, "lower", ImportOptions()).imported == 1
    (record,) = records_of(store, "lower")
    assert (record.record_id, record.md5, record.sha1) == ("4", md5_of(4), "bb" * 20)
    assert record.category is UnifiedCategory.INDECENT_UNCATEGORISED and record.distributed
    assert record.extra == {}


def test_case_shape_streams_media_and_warns_on_false_totals(
    tmp_path: Path, store: KnownHashStore
) -> None:
    path = write_case(tmp_path / "case.json", [media(n) for n in range(1, 6)], total=99)
    report = import_file(store, path, "case", ImportOptions())
    assert report.header["shape"] == "case" and report.imported == 5
    assert [w.field for w in report.warnings] == ["TotalMediaFiles"]
    assert report.header["cases"][0]["CaseNumber"] == "OP-NOTARISE-0001"
    assert "Media" not in report.header["cases"][0]


def test_contradicting_header_uses_the_chosen_scheme(tmp_path: Path, store: KnownHashStore) -> None:
    path = write_hashset(tmp_path / "uk.json", [media(1, Category=2)], country="UK")
    options = ImportOptions(scheme="vics")
    report = import_file(store, path, "c", options)
    assert [w.field for w in report.warnings] == ["@odata.context"]
    assert records_of(store, "c")[0].category is UnifiedCategory.UNCATEGORISED  # VICS 2


def test_uk_header_uses_configured_codes(tmp_path: Path, store: KnownHashStore) -> None:
    path = write_hashset(
        tmp_path / "uk.json", [media(1, Category=1), media(2, Category=3)], country="UK"
    )
    options = ImportOptions(uk_codes=parse_uk_codes("1=A,2=B,3=C"))
    assert import_file(store, path, "uk", options).imported == 2
    assert [r.category for r in records_of(store, "uk")] == [UnifiedCategory.A, UnifiedCategory.C]
    unconfigured = import_file(store, path, "uk2", ImportOptions())
    assert unconfigured.imported == 2 and unconfigured.skipped == []
    assert [r.category for r in records_of(store, "uk2")] == [UnifiedCategory.UNCATEGORISED] * 2
    assert [r.source_category for r in records_of(store, "uk2")] == ["1", "3"]
    assert "FOOTPRINT_UK_CATEGORY_CODES" in unconfigured.warnings[0].reason


def test_broken_json_leaves_nothing_behind(tmp_path: Path, store: KnownHashStore) -> None:
    good = write_hashset(tmp_path / "good.json", [media(n) for n in range(1, 4)])
    import_file(store, good, "s", ImportOptions())
    text = json.dumps({"@odata.context": "x", "value": [media(n) for n in range(10, 2000)]})
    broken = tmp_path / "broken.json"
    broken.write_text(text[: len(text) // 2])  # cut mid-stream, after thousands of good records
    report = import_file(store, broken, "s", ImportOptions())
    assert report.error is not None and "nothing from this file was imported" in report.error
    assert report.imported == 0
    assert len(records_of(store, "s")) == 3
    assert store.get_set("s").version == 1  # a failed import does not make a new version


def test_duplicates_merge_and_fill_gaps(tmp_path: Path, store: KnownHashStore) -> None:
    items = [media(1, SHA1=None), media(1, SHA1="aa" * 20, Series="Blue"), media(2)]
    report = import_file(store, write_hashset(tmp_path / "d.json", items), "d", ImportOptions())
    assert (report.imported, report.merged) == (2, 1)
    first = records_of(store, "d")[0]
    assert first.sha1 == "aa" * 20 and first.series == "Blue"
    again = import_file(
        store, write_hashset(tmp_path / "d2.json", [media(2)]), "d", ImportOptions()
    )
    assert (again.imported, again.merged) == (0, 1)
    assert store.get_set("d").version == again.version == 1  # nothing new: the version stays
    fills = [media(2, Series="Red", AlternativeHashes=[{"HashName": "PDQ", "HashValue": PDQ_A}])]
    gap = import_file(store, write_hashset(tmp_path / "d3.json", fills), "d", ImportOptions())
    assert (gap.imported, gap.merged, gap.version) == (0, 1, 2)  # a gap filled is a change
    assert records_of(store, "d")[1].series == "Red" and records_of(store, "d")[1].pdq == PDQ_A
    twice = import_file(store, tmp_path / "d3.json", "d", ImportOptions())
    assert twice.version == 2 and store.get_set("d").version == 2


@pytest.mark.parametrize("shape", ["hashset", "case"])
def test_round_trip_loses_nothing(tmp_path: Path, store: KnownHashStore, shape: str) -> None:
    alt = [{"HashName": "PDQ", "HashValue": PDQ_A}, {"HashName": "Other", "HashValue": "zz"}]
    items = [
        media(
            1,
            AlternativeHashes=alt,
            PhotoDNA="AAEC",
            Series="S1",
            DateUpdated="2024-05-01T10:00:00Z",
        ),
        media(
            2,
            Category=None,
            MediaFiles=[{"MD5": md5_of(2), "FileName": "x.jpg", "Deleted": "true"}],
        ),
        media(3, Category=0, SHA1="BB" * 20, Comments="checked"),
    ]
    source = (write_case if shape == "case" else write_hashset)(tmp_path / "in.json", items)
    import_file(store, source, "first", ImportOptions())
    exported = tmp_path / "out.json"
    with exported.open("w") as stream:
        assert export_set(store, "first", stream, shape) == 3
    document = json.loads(exported.read_text())
    assert "2.0.xml" in document["@odata.context"]
    report = import_file(store, exported, "second", ImportOptions())
    assert report.skipped == [] and report.warnings == []
    assert records_of(store, "first") == records_of(store, "second")

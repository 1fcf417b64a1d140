"""NCMEC's hash-sharing XML as a hash-set import, built in code the way NCMEC's API v2 writes
it; and out again."""

from __future__ import annotations

import io
from pathlib import Path

from footprint.hashsets import ImportOptions, KnownHashStore, UnifiedCategory
from footprint.hashsets.formats import detect_format
from footprint.hashsets.service import export_set, import_file
from tests.hashsets.conftest import records_of
from tests.hashsets.ncmec_samples import ncmec_entries, ncmec_image
from tests.hashsets.vics_samples import PDQ_A, md5_of, media, write_hashset

U = UnifiedCategory
PDNA = "AAECAwQFBgc" * 4


def _write(tmp_path: Path, text: str, name: str = "entries.xml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_entries_import_with_their_hashes_classification_and_member(
    tmp_path: Path, store: KnownHashStore
) -> None:
    images = [
        ncmec_image("image1", md5=md5_of(1).upper(), sha1="a1" * 20, pdna=PDNA, pdq=PDQ_A),
        ncmec_image("image2", classification="B2", md5=md5_of(2)),
        ncmec_image("image3", classification="Z9", md5=md5_of(3)),  # outside the scale: kept
        ncmec_image("image4", classification=None, sha1="b2" * 20),
    ]
    videos = [
        ncmec_image(
            "video1",
            tag="video",
            md5=md5_of(5),
            other_prints={"tmk-pdqf": ""},  # NCMEC links to large fingerprints, not inlined
        )
    ]
    path = _write(tmp_path, ncmec_entries(images, videos))
    assert detect_format(path).name == "ncmec"
    report = import_file(store, path, "ncmec", ImportOptions())
    assert (report.format, report.imported, report.skipped) == ("ncmec", 5, [])
    assert [w.field for w in report.warnings] == ["Category"]
    assert "'Z9' is not defined in the ncmec scheme" in report.warnings[0].reason
    first, second, third, fourth, video = records_of(store, "ncmec")
    assert (first.record_id, first.md5, first.sha1, first.pdq) == (
        "image1",
        md5_of(1),
        "a1" * 20,
        PDQ_A,
    )
    assert first.photodna == PDNA  # PhotoDNA is stored as given, never computed
    assert first.extra["ncmec:member"] == {"id": "42", "name": "Example Member"}
    assert first.extra["ncmec:timestamp"] == "2026-10-24T15:00:00Z"
    assert [r.category for r in (first, second, third, fourth)] == [
        U.INDECENT_UNCATEGORISED,
        U.INDECENT_UNCATEGORISED,
        U.UNCATEGORISED,
        U.UNCATEGORISED,
    ]
    assert (second.source_scheme, second.source_category) == ("ncmec", "B2")
    assert fourth.md5 is None and fourth.sha1 == "b2" * 20
    assert video.extra["ncmec:type"] == "video"
    assert video.extra["ncmec:fingerprints"][0]["tag"] == "tmk-pdqf"


def test_bad_entries_are_named_and_the_rest_go_in(tmp_path: Path, store: KnownHashStore) -> None:
    images = [
        ncmec_image("ok", md5=md5_of(1)),
        ncmec_image("", md5=md5_of(2)),
        ncmec_image("nohash"),
        ncmec_image("badsha", md5=md5_of(4), sha1="xyz"),
    ]
    report = import_file(store, _write(tmp_path, ncmec_entries(images)), "n", ImportOptions())
    assert [(s.record, s.field) for s in report.skipped] == [(2, "id"), (3, "fingerprints")]
    assert [(w.record, w.field) for w in report.warnings] == [(4, "fingerprints/sha1")]
    assert [r.record_id for r in records_of(store, "n")] == ["ok", "badsha"]


def test_a_deleted_entry_leaves_the_set_unless_the_file_holds_it_later(
    tmp_path: Path, store: KnownHashStore
) -> None:
    first = [ncmec_image(f"e{n}", md5=md5_of(n)) for n in range(1, 4)]
    import_file(store, _write(tmp_path, ncmec_entries(first), "a.xml"), "n", ImportOptions())
    # a record from another source whose id happens to be the same is not NCMEC's to withdraw
    vics = write_hashset(tmp_path / "v.json", [media(9, MediaID="e1")])
    import_file(store, vics, "n", ImportOptions())
    update = ncmec_entries(
        [ncmec_image("e3", md5=md5_of(3), timestamp="2026-10-24T16:00:00Z")],  # after withdrawal
        deleted=["e1", "e3", "e9"],
        deleted_at="2026-10-24T15:30:00Z",
    )
    report = import_file(store, _write(tmp_path, update, "b.xml"), "n", ImportOptions())
    assert (report.removed, report.merged, report.version) == (1, 1, 3)
    assert [w.reason for w in report.warnings] == ["1 withdrawn entries were not in the set"]
    assert [(r.record_id, r.source_scheme) for r in records_of(store, "n")] == [
        ("e2", "ncmec"),
        ("e3", "ncmec"),
        ("e1", "vics"),
    ]
    assert "removals" not in report.as_dict() and report.as_dict()["removed"] == 1


def test_a_set_goes_out_as_ncmec_xml_and_comes_back_as_it_was(
    tmp_path: Path, store: KnownHashStore
) -> None:
    images = [
        ncmec_image("i1", md5=md5_of(1), sha1="a1" * 20, pdna=PDNA, pdq=PDQ_A),
        ncmec_image("i<2>&", classification="B1", member=("7", "A & B <Ltd>"), md5=md5_of(2)),
    ]
    videos = [ncmec_image("v1", tag="video", md5=md5_of(3), videntifier="")]
    source = _write(tmp_path, ncmec_entries(images, videos))
    import_file(store, source, "n", ImportOptions())
    out = io.StringIO()
    assert export_set(store, "n", out, fmt="ncmec") == 3
    copy = _write(tmp_path, out.getvalue(), "copy.xml")
    report = import_file(store, copy, "copy", ImportOptions())
    assert (report.format, report.imported, report.skipped, report.warnings) == ("ncmec", 3, [], [])
    assert records_of(store, "copy") == records_of(store, "n")


def test_a_dtd_is_refused_and_nothing_is_kept(tmp_path: Path, store: KnownHashStore) -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f'<queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2"><images>'
        f"<image><id>&b;</id><fingerprints><md5>{md5_of(1)}</md5></fingerprints></image>"
        "</images></queryResult>"
    )
    report = import_file(store, _write(tmp_path, laughs), "n", ImportOptions(scheme="ncmec"))
    assert report.error is not None and "declares a DTD or entities" in report.error
    assert "n" not in store.versions()  # a failed import leaves no empty set behind


def test_broken_xml_is_refused_whole(tmp_path: Path, store: KnownHashStore) -> None:
    text = ncmec_entries([ncmec_image(f"e{n}", md5=md5_of(n)) for n in range(1, 50)])
    path = _write(tmp_path, text[: len(text) // 2])
    report = import_file(store, path, "n", ImportOptions())
    assert report.error is not None and "not well-formed XML" in report.error
    assert report.imported == 0 and "n" not in store.versions()


def test_many_withdrawals_go_in_one_pass_and_an_id_naming_two_records_takes_both(
    tmp_path: Path, store: KnownHashStore
) -> None:
    entries = [ncmec_image(f"e{n}", md5=md5_of(n)) for n in range(1, 1200)]
    entries.append(ncmec_image("e5", md5=md5_of(5000)))  # the same id on a second hash
    import_file(store, _write(tmp_path, ncmec_entries(entries), "a.xml"), "n", ImportOptions())
    withdrawn = [f"e{n}" for n in range(1, 1200, 2)] + ["gone1", "gone2"]
    update = ncmec_entries([], deleted=withdrawn, deleted_at="2026-10-24T15:30:00Z")
    statements: list[str] = []
    store.db.set_trace_callback(statements.append)
    report = import_file(store, _write(tmp_path, update, "b.xml"), "n", ImportOptions())
    store.db.set_trace_callback(None)
    assert report.removed == 600 + 1  # e5's second record too
    assert [w.reason for w in report.warnings] == ["2 withdrawn entries were not in the set"]
    assert {r.record_id for r in records_of(store, "n")} == {f"e{n}" for n in range(2, 1200, 2)}
    lookups = [s for s in statements if "record_id IN" in s]
    assert len(lookups) == 1  # one pass over the set, not one per id

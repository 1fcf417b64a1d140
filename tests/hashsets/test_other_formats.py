from __future__ import annotations

import sqlite3
from pathlib import Path

from footprint.hashsets import ImportOptions, KnownHashStore, SetKind, UnifiedCategory, import_file
from footprint.hashsets.formats import detect_format
from tests.hashsets.conftest import records_of
from tests.hashsets.vics_samples import PDQ_A, md5_of

ICSE_HEADER = (
    "MD5;SHA1;PhotoDNA;Image ID;Is distributed;Victim identified;Offender identified;Series name;"
    "Number of submissions;File Available;Media Type;Baseline"
)


def test_icse_export(tmp_path: Path, store: KnownHashStore) -> None:
    path = tmp_path / "icse.csv"
    path.write_text(
        "\ufeff"
        + ICSE_HEADER
        + "\n"
        + f"{md5_of(1).upper()};{'cc' * 20};;IMG-1;Yes;No;No;Series X;3;True;Image;true\n"
        + f"{md5_of(2)};;;IMG-2;;;;;1;False;Image;false\n"
        + "zz;;;IMG-3;;;;;;;;\n"
        + f"{md5_of(4)};;;IMG-4;maybe;;;;;;;\n"
        + ";;;IMG-5;;;;;;;;\n"
    )
    assert detect_format(path).name == "icse"
    report = import_file(store, path, "icse", ImportOptions())
    assert report.imported == 2
    assert [(s.record, s.field) for s in report.skipped] == [
        (4, "md5"),
        (5, "Is distributed"),
        (6, "hashes"),
    ]
    first, second = records_of(store, "icse")
    assert first.record_id == "IMG-1" and first.distributed is True and first.series == "Series X"
    assert first.category is UnifiedCategory.INDECENT_UNCATEGORISED  # baseline
    assert second.category is UnifiedCategory.UNCATEGORISED
    assert first.extra["Number of submissions"] == "3"


def test_plain_csv(tmp_path: Path, store: KnownHashStore) -> None:
    path = tmp_path / "plain.csv"
    path.write_text(
        "record_id,md5,pdq,category,distributed,note\n"
        f"r1,{md5_of(1)},{PDQ_A},A,true,first\n"
        f"r2,{md5_of(2)},,c,,\n"
        f"r3,{md5_of(3)},,Z,,\n"
        f"r4,{md5_of(4)},,non-pertinent,,\n"
        f"r5,{md5_of(5)},,B,,,extra-field\n"
    )
    report = import_file(store, path, "plain", ImportOptions(scheme="csv"))
    assert report.imported == 4
    assert [(s.record, s.field) for s in report.skipped] == [(6, "row")]
    # a code outside the scheme keeps its record: kept as the source, graded uncategorised
    assert [(w.record, w.field) for w in report.warnings] == [(0, "Category")]
    assert "'Z' is not defined in the uk scheme: 1 record kept" in report.warnings[0].reason
    records = records_of(store, "plain")
    assert [(r.source_category, r.category) for r in records] == [
        ("A", UnifiedCategory.A),
        ("c", UnifiedCategory.C),
        ("Z", UnifiedCategory.UNCATEGORISED),
        ("non-pertinent", UnifiedCategory.NON_PERTINENT),
    ]
    assert records[0].extra == {"note": "first"}


def test_csv_without_hash_column_fails_whole_file(tmp_path: Path, store: KnownHashStore) -> None:
    path = tmp_path / "nohash.csv"
    path.write_text("name,category\nx,A\n")
    report = import_file(store, path, "x", ImportOptions(scheme="csv"))
    assert report.error is not None and "no hash column" in report.error


def test_pdq_list(tmp_path: Path, store: KnownHashStore) -> None:
    path = tmp_path / "pdq.txt"
    path.write_text(f"# shared list\n{PDQ_A}\n\n{PDQ_A[:-1]}\n{'0' * 64},100\n")
    assert detect_format(path).name == "pdq-list"
    options = ImportOptions(list_category=UnifiedCategory.INDECENT_UNCATEGORISED)
    report = import_file(store, path, "pdq", options)
    assert report.imported == 2
    assert [(s.record, s.field) for s in report.skipped] == [(4, "pdq")]
    records = records_of(store, "pdq")
    assert [r.pdq for r in records] == [PDQ_A, "0" * 64]
    assert records[1].extra == {"line_fields": ["100"]}
    assert all(r.category is UnifiedCategory.INDECENT_UNCATEGORISED for r in records)


def make_nsrl(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE FILE (sha256 TEXT, sha1 TEXT, md5 TEXT, crc32 TEXT, file_name TEXT, "
        "file_size INTEGER, package_id INTEGER)"
    )
    db.executemany(
        "INSERT INTO FILE VALUES (?, ?, ?, '00000000', ?, ?, 1)",
        [
            ("aa" * 32, "bb" * 20, md5_of(1).upper(), "kernel32.dll", 100),
            ("cc" * 32, "dd" * 20, md5_of(2), "notepad.exe", 200),
            ("bad", None, None, "broken", 0),
        ],
    )
    db.commit()
    db.close()
    return path


def test_nsrl_rds_v3_becomes_an_ignore_set(tmp_path: Path, store: KnownHashStore) -> None:
    path = make_nsrl(tmp_path / "RDS_2024.03.1_modern_minimal.db")
    assert detect_format(path).name == "nsrl"
    report = import_file(store, path, "nsrl", ImportOptions())
    assert report.imported == 2
    assert [(s.record, s.field) for s in report.skipped] == [(3, "sha256")]
    assert store.get_set("nsrl").kind is SetKind.IGNORE
    first = records_of(store, "nsrl")[0]
    assert first.md5 == md5_of(1) and first.extra["file_name"] == "kernel32.dll"
    assert first.category is UnifiedCategory.NON_PERTINENT


def test_sqlite_that_is_not_nsrl(tmp_path: Path, store: KnownHashStore) -> None:
    path = tmp_path / "other.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    report = import_file(store, path, "x", ImportOptions())
    assert report.error is not None and "FILE" in report.error

"""A finished scan exported for a review tool or the national database: one record per
distinct content with every place it was found, read back by footprint's own VICS reader as a
review tool would read it; matched files keep their category, unknown pictures go out
uncategorised; unfinished scans and unwritable formats are refused."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from footprint.cli.main import app
from footprint.hashsets import ImportOptions, KnownHashStore, import_file
from footprint.hashsets.schemes import parse_uk_codes
from footprint.triage import export
from footprint.triage.export import ExportError, Included, export_scan
from footprint.triage.service import ScanRequest, scan
from footprint.triage.signals_job import SignalOptions
from tests.triage.evidence_fixtures import build_case, store_with_known


@pytest.fixture
def scanned(tmp_path: Path) -> Path:
    """A real scan of benign evidence with copies: a known picture twice more, an unknown
    picture once more."""
    evidence, vics = build_case(tmp_path)
    shutil.copy(evidence / "k0" / "copy.jpg", evidence / "other" / "again.jpg")
    (evidence / "backup").mkdir()
    shutil.copy(evidence / "k0" / "copy.jpg", evidence / "backup" / "copy.jpg")
    shutil.copy(evidence / "other" / "u100.jpg", evidence / "backup" / "u100.jpg")
    store = store_with_known(tmp_path, vics)
    out = tmp_path / "scan"
    scan(store, ScanRequest([evidence], ["known"], out, SignalOptions(), 1))
    store.close()
    return out


def findings(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "findings.jsonl").read_text().splitlines()]


def read_back(
    tmp_path: Path, text: str, name: str = "back"
) -> tuple[KnownHashStore, dict[str, Any]]:
    path = tmp_path / f"{name}.json"
    path.write_text(text)
    store = KnownHashStore(tmp_path / f"{name}.sqlite")
    report = import_file(store, path, name, ImportOptions())
    assert report.error is None and not report.skipped and not report.warnings, report
    return store, json.loads(text)


def test_each_content_once_with_every_place_it_was_found(scanned: Path, tmp_path: Path) -> None:
    out = io.StringIO()
    counts = export_scan(scanned, out)
    every = findings(scanned)
    media = [f for f in every if not f["error"] and f["media_type"].startswith("image/")]
    assert counts.files == len(media) and counts.records == len(
        {f["signals"]["md5"] for f in media}
    )
    store, document = read_back(tmp_path, out.getvalue())
    (case,) = document["value"]
    assert case["CaseNumber"] == "scan" and case["TotalMediaFiles"] == counts.records
    by_md5 = {m["MD5"].lower(): m for m in case["Media"]}
    known = next(f for f in every if f["path"].endswith("k0/copy.jpg"))
    record = by_md5[known["signals"]["md5"]]
    places = sorted("/".join(p["FilePath"].split("/")[-2:]) for p in record["MediaFiles"])
    assert places == ["backup/copy.jpg", "k0/copy.jpg", "other/again.jpg"]
    assert {p["FileName"] for p in record["MediaFiles"]} == {"copy.jpg", "again.jpg"}
    assert record["footprint:Category"] == "A" and record["MediaSize"] == known["size"]
    assert {h["HashName"] for h in record["AlternativeHashes"]} >= {"SHA256", "PDQ"}
    assert {m["kind"] for m in record["footprint:Matches"]} >= {"md5", "pdq"}
    unknown = next(f for f in every if f["path"].endswith("other/u100.jpg"))
    assert by_md5[unknown["signals"]["md5"]]["Category"] is None  # for the graders
    assert len(by_md5[unknown["signals"]["md5"]]["MediaFiles"]) == 2
    exported = [f["FilePath"] for m in case["Media"] for f in m["MediaFiles"]]
    assert not any(p.endswith(("readme.txt", "cut.jpg", "empty.gif")) for p in exported)
    # read back, the records carry the scan's categories and hashes
    read = {r.md5: r for r in store.records(store.get_set("back").id)}
    assert str(read[known["signals"]["md5"]].category) == "A"
    assert read[known["signals"]["md5"]].signals["pdq"] == known["signals"]["pdq"]
    assert str(read[unknown["signals"]["md5"]].category) == "uncategorised"
    store.close()


def test_progress_is_told_per_phase_to_the_end(
    scanned: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "PROGRESS_EVERY", 2)
    told: list[tuple[str, int, int]] = []
    counts = export_scan(scanned, io.StringIO(), progress=lambda *a: told.append(a))
    reading = [t for t in told if t[0] == "reading"]
    writing = [t for t in told if t[0] == "writing"]
    size = (scanned / "findings.jsonl").stat().st_size
    assert len(reading) > 2 and reading[-1] == ("reading", size, size)
    assert [d for _, d, _ in reading] == sorted(d for _, d, _ in reading)
    assert len(writing) > 2 and writing[-1] == ("writing", counts.records, counts.records)
    assert told.index(reading[-1]) < told.index(writing[0])  # read whole, then written


def test_with_the_deployments_uk_codes_categories_go_out_as_them(
    scanned: Path, tmp_path: Path
) -> None:
    codes = parse_uk_codes("1=A,2=B,9=B,3=C,0=non-pertinent")
    out = io.StringIO()
    export_scan(scanned, out, include=Included.MATCHED, uk_codes=codes)
    document = json.loads(out.getvalue())
    assert "/2.0.xml/UK/$metadata#Cases" in document["@odata.context"]
    media = document["value"][0]["Media"]
    wanted = {"A": 1, "B": 2, "C": 3}  # B's lowest code
    assert all(m["Category"] == wanted[m["footprint:Category"]] for m in media)
    path = tmp_path / "uk.json"
    path.write_text(out.getvalue())
    store = KnownHashStore(tmp_path / "uk.sqlite")
    report = import_file(store, path, "uk", ImportOptions(uk_codes=codes))
    assert report.error is None and not report.skipped and report.imported == len(media)
    read = {r.md5: str(r.category) for r in store.records(store.get_set("uk").id)}
    assert read == {m["MD5"].lower(): m["footprint:Category"] for m in media}
    store.close()
    unknown = io.StringIO()  # a picture no set knows, and a category without a code: null
    export_scan(scanned, unknown, uk_codes=parse_uk_codes("1=A"))
    categories = {
        m["footprint:Category"]: m["Category"]
        for m in json.loads(unknown.getvalue())["value"][0]["Media"]
    }
    assert categories["A"] == 1 and categories["B"] is None and categories["uncategorised"] is None


def test_matched_only_and_every_file(scanned: Path) -> None:
    every = findings(scanned)
    matched = io.StringIO()
    counts = export_scan(scanned, matched, include=Included.MATCHED, shape="hashset")
    media = json.loads(matched.getvalue())["value"]
    assert counts.files == sum(bool(f["matches"]) for f in every)
    assert all(m["footprint:Category"] in ("A", "B", "C") for m in media)
    everything = export_scan(scanned, io.StringIO(), include=Included.ALL)
    with_digests = [f for f in every if not f["error"] and f["signals"].get("md5")]
    assert everything.files == len(with_digests)  # readme.txt too; the cut and empty ones not
    csv = io.StringIO()
    assert export_scan(scanned, csv, fmt="csv").records == counts.records + 3  # unknowns too
    assert csv.getvalue().splitlines()[0].startswith("record_id,")


def test_unfinished_scans_and_read_only_formats_are_refused(scanned: Path, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="read-only"):
        export_scan(scanned, io.StringIO(), fmt="nsrl")
    manifest = scanned / "scan.json"
    manifest.write_text(json.dumps(json.loads(manifest.read_text()) | {"complete": False}))
    with pytest.raises(ExportError, match="has not finished; resume it first"):
        export_scan(scanned, io.StringIO())
    with pytest.raises(ExportError, match="not a footprint scan output"):
        export_scan(tmp_path / "nowhere", io.StringIO())


def test_the_command_writes_the_whole_file_or_none(
    scanned: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOOTPRINT_DATABASE_URL", f"sqlite:///{tmp_path}/absent.db")
    monkeypatch.delenv("FOOTPRINT_USER", raising=False)
    target = tmp_path / "case.json"
    args = ["scan-export", str(scanned), "--out", str(target)]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    assert "contents" in done.output and json.loads(target.read_text())["value"][0]["Media"]
    refused = CliRunner().invoke(app, [*args[:3], str(tmp_path / "x.json"), "--format", "nsrl"])
    assert refused.exit_code == 2 and "choose one of" in refused.output
    (scanned / "scan.json").write_text(json.dumps({"complete": False}))
    unfinished = CliRunner().invoke(app, [*args[:3], str(tmp_path / "y.json")])
    assert unfinished.exit_code == 2 and "resume it first" in unfinished.output
    assert not (tmp_path / "y.json").exists() and not (tmp_path / "y.json.partial").exists()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
GOOD = {
    "path": "dev!/a.jpg",
    "media_type": "image/jpeg",
    "signals": {"md5": "ab" * 16, "pdq": "00" * 32},
    "matches": [{"set": "known", "kind": "md5", "category": "A", "distance": 0}],
    "error": None,
    "flags": ["deleted"],
    "size": 10,
}
# a finding as the scan writes it with one to three fields (or a match's) made something else
CHANGED = st.builds(
    lambda changes: json.dumps(GOOD | changes),
    st.dictionaries(
        st.sampled_from([*GOOD, "signals", "matches"]),
        st.integers()
        | st.booleans()
        | JSON
        | st.builds(lambda c: {"md5": c}, JSON)
        | st.builds(lambda c: [{"category": c}], JSON),
        min_size=1,
        max_size=3,
    ),
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(
        CHANGED | st.just(json.dumps(GOOD)) | st.binary(max_size=20), min_size=1, max_size=4
    )
)
def test_a_changed_findings_file_is_refused_naming_the_line(
    tmp_path: Path, lines: list[str | bytes]
) -> None:
    folder = tmp_path / "fuzz"
    folder.mkdir(exist_ok=True)
    (folder / "scan.json").write_text(json.dumps({"complete": True}))
    raw = b"".join(
        (line if isinstance(line, bytes) else line.encode()).replace(b"\n", b" ") + b"\n"
        for line in lines
    )
    (folder / "findings.jsonl").write_bytes(raw)
    for include in Included:
        try:
            counts = export_scan(folder, io.StringIO(), include=include)
        except ExportError as exc:
            assert "findings.jsonl line" in str(exc)
        else:
            assert counts.files <= len(lines)

"""The three doors of the house, opened from this file alone: a new signal kind, a new evidence
source and a new hash-set format are defined and registered here, a set in the new format is
imported and exported, and a scan of the new source matches on the new signal. Nothing outside
this file knows any of them (docs/architecture.md, "Doors for what comes next")."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, BinaryIO, ClassVar

import pytest

from footprint.errors import RecordError
from footprint.evidence import (
    EvidenceFile,
    EvidenceSource,
    Locator,
    WalkProblem,
    open_locator,
    register_evidence_source,
    unregister_evidence_source,
)
from footprint.evidence.folders import folder_file
from footprint.hashsets import ImportOptions, ImportReport, KnownHash, KnownHashStore
from footprint.hashsets.formats import (
    ExportContext,
    HashSetFormat,
    register_hashset_format,
    scheme_choices,
    unregister_hashset_format,
)
from footprint.hashsets.model import UnifiedCategory, normalise_signal
from footprint.hashsets.service import export_set, import_file
from footprint.signals import (
    Computed,
    Content,
    SignalKind,
    SignalValueError,
    register_signal_kind,
    unregister_signal_kind,
)
from footprint.synthetic.images import benign_image, encode
from footprint.triage.findings import thumbnail
from footprint.triage.outputs import locator_of
from footprint.triage.service import ScanRequest, scan
from footprint.triage.signals_job import SignalOptions

# --- a new signal kind: the first 8 bytes, compared bit by bit -------------------------------


class HeadBits(SignalKind):
    name: ClassVar[str] = "head8"
    exact: ClassVar[bool] = False  # matched through an index, within a distance
    default_threshold: ClassVar[int] = 4

    def validate(self, value: str) -> str:
        text = value.strip().lower()
        if len(text) != 16 or any(c not in "0123456789abcdef" for c in text):
            raise SignalValueError(f"expected 16 hex digits, got {text!r}")
        return text

    def compute(self, content: Content) -> Computed | None:
        if content.data is None or len(content.data) < 8:
            return None
        return Computed(content.data[:8].hex())

    def distance(self, a: str, b: str) -> int:
        return (int(a, 16) ^ int(b, 16)).bit_count()


# --- a new evidence source: a bundle file holding named members -----------------------------

BUNDLE_MAGIC = b"FPBUNDLE1\n"


def write_bundle(path: Path, members: dict[str, bytes]) -> Path:
    index = json.dumps({name: len(data) for name, data in members.items()}).encode()
    path.write_bytes(BUNDLE_MAGIC + index + b"\n" + b"".join(members.values()))
    return path


def read_members(stream: BinaryIO) -> Iterator[tuple[str, bytes]]:
    stream.read(len(BUNDLE_MAGIC))
    for name, size in json.loads(stream.readline()).items():
        yield name, stream.read(size)


class BundleSource(EvidenceSource):
    name: ClassVar[str] = "bundle"

    def claims(self, root: Path) -> bool:
        if not root.is_file():
            return False
        with root.open("rb") as stream:
            return stream.read(len(BUNDLE_MAGIC)) == BUNDLE_MAGIC

    def walk(self, root: Path) -> Iterator[EvidenceFile | WalkProblem]:
        container = folder_file(str(root), root.stat().st_size).locator
        with open_locator(container) as stream:
            for member, data in read_members(stream):
                locator = Locator(self.name, member, parent=container)
                yield EvidenceFile(locator.display(), len(data), locator)

    def open(self, locator: Locator) -> BinaryIO:
        assert locator.parent is not None
        with open_locator(locator.parent) as stream:  # the container, through the resolver
            for member, data in read_members(stream):
                if member == locator.path:
                    return io.BytesIO(data)
        raise FileNotFoundError(locator.display())


# --- a new hash-set format: a titled list of (head8, category) -------------------------------


class Head8List(HashSetFormat):
    name: ClassVar[str] = "head8-list"
    writable: ClassVar[bool] = True

    def sniff(self, head: bytes) -> bool:
        return head.startswith(b"HEAD8 LIST\n")

    def read(self, path: Path, report: ImportReport, options: ImportOptions) -> Iterator[KnownHash]:
        with path.open(encoding="utf-8") as stream:
            next(stream)
            for number, line in enumerate(stream, start=1):
                value, _, category = line.strip().partition(",")
                try:
                    signals = {"head8": HeadBits().validate(value)}
                    grade = UnifiedCategory(category)
                except (SignalValueError, ValueError) as exc:
                    report.skip(number, "head8" if "hex" in str(exc) else "category", str(exc))
                    continue
                yield KnownHash(record_id=f"h{number}", signals=signals, category=grade)

    def write(self, records: Iterable[KnownHash], out: IO[str], context: ExportContext) -> int:
        out.write("HEAD8 LIST\n")
        lines = [f"{record.signals['head8']},{record.category}\n" for record in records]
        out.writelines(lines)
        return len(lines)


@pytest.fixture
def doors() -> Iterator[None]:
    register_signal_kind(HeadBits())
    register_evidence_source(BundleSource())
    register_hashset_format(Head8List())
    yield
    unregister_signal_kind("head8")
    unregister_evidence_source("bundle")
    unregister_hashset_format("head8-list")


def picture() -> bytes:
    return encode(benign_image(7, (96, 64)), "PNG")


def test_a_new_kind_source_and_format_work_end_to_end(doors: None, tmp_path: Path) -> None:
    known_head = picture()[:8]
    flipped = bytes([known_head[0] ^ 0b11]) + known_head[1:]  # 2 bits away: within 4
    far = bytes(b ^ 0xFF for b in known_head)  # 64 bits away
    set_file = tmp_path / "known.head8"
    set_file.write_text(f"HEAD8 LIST\n{known_head.hex()},B\nnot-hex,A\n{far.hex()}x,C\n")

    store = KnownHashStore(tmp_path / "hashsets.sqlite")
    report = import_file(store, set_file, "known", ImportOptions())  # the format is sniffed
    assert report.error is None and report.format == "head8-list"
    assert report.imported == 1 and [s.record for s in report.skipped] == [2, 3]
    assert "head8-list" in scheme_choices()

    exported = io.StringIO()
    assert export_set(store, "known", exported, fmt="head8-list") == 1
    assert exported.getvalue() == f"HEAD8 LIST\n{known_head.hex()},B\n"

    bundle = write_bundle(
        tmp_path / "seized.bundle",
        {
            "pictures/holiday.png": picture(),
            "notes/near.bin": flipped + b"rest of the file",
            "notes/far.bin": far + b"nothing like it",
        },
    )
    out = tmp_path / "scan"
    summary = scan(store, ScanRequest([bundle], ["known"], out, SignalOptions(), workers=1))
    findings = {f["path"]: f for f in map(json.loads, (out / "findings.jsonl").open())}
    assert sorted(findings) == [
        f"{bundle}!/notes/far.bin",
        f"{bundle}!/notes/near.bin",
        f"{bundle}!/pictures/holiday.png",
    ]
    near = findings[f"{bundle}!/notes/near.bin"]
    assert near["signals"]["head8"] == flipped.hex()
    assert [(m["kind"], m["distance"], m["category"]) for m in near["matches"]] == [
        ("head8", 2, "B")
    ]
    holiday = findings[f"{bundle}!/pictures/holiday.png"]
    assert [(m["kind"], m["distance"]) for m in holiday["matches"]] == [("head8", 0)]
    assert {"md5", "sha256", "pdq", "head8"} <= set(holiday["signals"])  # built-ins still run
    assert findings[f"{bundle}!/notes/far.bin"]["matches"] == []
    assert summary["matched_files"] == 2 and summary["matched_files_by_kind"] == {"head8": 2}

    locator = locator_of(holiday)
    assert (locator.source, locator.parent and locator.parent.source) == ("bundle", "folder")
    assert thumbnail(locator, reveal=False).startswith(b"\x89PNG")  # pictures via the resolver
    store.close()


def test_a_bad_value_of_a_new_kind_names_the_record_and_field(doors: None, tmp_path: Path) -> None:
    """The plain CSV reads a column per registered kind, validated by the kind itself."""
    path = tmp_path / "set.csv"
    path.write_text("record_id,head8,category\nr1,0011223344556677,A\nr2,zz,A\n")
    store = KnownHashStore(tmp_path / "hashsets.sqlite")
    report = import_file(store, path, "csv-set", ImportOptions())
    assert report.imported == 1
    [skipped] = report.skipped
    assert (skipped.record, skipped.field) == (3, "head8") and "16 hex digits" in skipped.reason
    [record] = store.records(store.get_set("csv-set").id)
    assert record.signals == {"head8": "0011223344556677"}
    store.close()


def test_an_unregistered_kind_is_refused_by_name() -> None:
    with pytest.raises(RecordError) as refused:
        normalise_signal("00", "no-such-kind")
    assert "unknown signal kind 'no-such-kind'" in str(refused.value)

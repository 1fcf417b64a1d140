"""The formats footprint reads from the start: VICS 1.x/2.0 JSON, INTERPOL ICSE CSV, NSRL RDS v3,
PDQ lists, Meta's vPDQ hash files and footprint's plain CSV (docs/formats.md). Registered in the
order they are sniffed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, ClassVar

from footprint.hashsets import ncmec
from footprint.hashsets.delimited import (
    read_icse,
    read_pdq_list,
    read_plain_csv,
    write_icse,
    write_pdq_list,
    write_plain_csv,
)
from footprint.hashsets.formats import (
    ExportContext,
    HashSetFormat,
    ImportOptions,
    register_hashset_format,
)
from footprint.hashsets.model import ImportReport, KnownHash, SetKind
from footprint.hashsets.nsrl import read_nsrl
from footprint.hashsets.schemes import Scheme
from footprint.hashsets.vics import read_vics, write_vics
from footprint.signals import VPDQ, SignalValueError
from footprint.signals.video import VPDQ_LINE


def _first_line(head: bytes) -> str:
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff").lstrip()
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return lines[0] if lines else ""


class NsrlFormat(HashSetFormat):
    name: ClassVar[str] = "nsrl"
    description: ClassVar[str] = "NSRL RDS v3 (SQLite): known benign software, an ignore set"
    implied_kind: ClassVar[SetKind] = SetKind.IGNORE

    def sniff(self, head: bytes) -> bool:
        return head.startswith(b"SQLite format 3\x00")

    def read(self, path: Path, report: ImportReport, options: ImportOptions) -> Iterator[KnownHash]:
        return read_nsrl(path, report)


class VicsFormat(HashSetFormat):
    name: ClassVar[str] = "vics"
    description: ClassVar[str] = "Project VIC VICS 1.x / 2.0 JSON (hashset or case shape)"
    writable: ClassVar[bool] = True

    def sniff(self, head: bytes) -> bool:
        text = head.decode("utf-8", errors="replace").lstrip("\ufeff").lstrip()
        return text.startswith(("{", "["))

    def read(self, path: Path, report: ImportReport, options: ImportOptions) -> Iterator[KnownHash]:
        return read_vics(path, report, options)

    version: ClassVar[str] = "2.0"  # what it writes

    def write(self, records: Iterable[KnownHash], out: IO[str], context: ExportContext) -> int:
        country = "UK" if context.source_schemes == {"uk"} else "US"
        case = None
        if context.shape == "case":
            cases = context.meta.get("cases") or [{}]
            case = {**cases[0], "TotalMediaFiles": context.records}
            case.setdefault("CaseNumber", context.set_name)
            case.setdefault("SourceApplicationName", "footprint")
        return write_vics(
            records, out, shape=context.shape, country=country, case=case, version=self.version
        )


class Vics13Format(VicsFormat):
    """VICS 1.3 for the tools that take no 2.0; read by the VICS reader, which reads both."""

    name: ClassVar[str] = "vics-1.3"
    description: ClassVar[str] = "Project VIC VICS 1.3 JSON (export; read as vics)"
    version: ClassVar[str] = "1.3"

    def sniff(self, head: bytes) -> bool:
        return False  # a VICS file of any version is detected as vics


class IcseFormat(HashSetFormat):
    name: ClassVar[str] = "icse"
    description: ClassVar[str] = "INTERPOL ICSE export (semicolon-separated)"

    def sniff(self, head: bytes) -> bool:
        first = _first_line(head).upper()
        return first.startswith("MD5;") or ";SHA1;" in first

    writable: ClassVar[bool] = True

    def read(self, path: Path, report: ImportReport, options: ImportOptions) -> Iterator[KnownHash]:
        return read_icse(path, report)

    def write(self, records: Iterable[KnownHash], out: IO[str], context: ExportContext) -> int:
        return write_icse(records, out)


class PdqListFormat(HashSetFormat):
    name: ClassVar[str] = "pdq-list"
    description: ClassVar[str] = "one 64-hex PDQ per line, as Meta and NCMEC share them"

    def sniff(self, head: bytes) -> bool:
        words = _first_line(head).strip().split(",")[0].split()
        token = words[0] if words else ""
        return len(token) == 64 and all(c in "0123456789abcdefABCDEF" for c in token)

    writable: ClassVar[bool] = True

    def read(self, path: Path, report: ImportReport, options: ImportOptions) -> Iterator[KnownHash]:
        return read_pdq_list(path, report, options.list_category)

    def write(self, records: Iterable[KnownHash], out: IO[str], context: ExportContext) -> int:
        title = f"PDQ of set {context.set_name} v{context.version}, from footprint"
        return write_pdq_list(records, out, title)


class VpdqFileFormat(HashSetFormat):
    name: ClassVar[str] = "vpdq"
    description: ClassVar[str] = (
        "Meta's vPDQ hash file: one video, a frame,quality,pdq,seconds line per sampled frame"
    )

    def sniff(self, head: bytes) -> bool:
        return bool(VPDQ_LINE.match(_first_line(head).strip()))

    def read(self, path: Path, report: ImportReport, options: ImportOptions) -> Iterator[KnownHash]:
        """The whole file is one record (one known video), named after the file."""
        text = path.read_text(encoding="utf-8-sig", errors="replace")
        try:
            value = VPDQ.validate(text)
        except SignalValueError as exc:
            report.skip(1, "vpdq", str(exc))
            return
        yield KnownHash(
            record_id=path.stem,
            signals={"vpdq": value},
            category=options.list_category,
            source_scheme="vpdq",
        )


class NcmecHashSharingFormat(HashSetFormat):
    name: ClassVar[str] = "ncmec"
    description: ClassVar[str] = "NCMEC hash-sharing XML (entries of images and videos)"
    writable: ClassVar[bool] = True

    def sniff(self, head: bytes) -> bool:
        return ncmec.sniff(head)

    def read(self, path: Path, report: ImportReport, options: ImportOptions) -> Iterator[KnownHash]:
        mapper = options.mapper(options.category_scheme or Scheme.NCMEC)
        return ncmec.read_ncmec(path, report, mapper)

    def write(self, records: Iterable[KnownHash], out: IO[str], context: ExportContext) -> int:
        return ncmec.write_ncmec(records, out)


class PlainCsvFormat(HashSetFormat):
    name: ClassVar[str] = "csv"
    description: ClassVar[str] = "footprint's plain CSV: a header row, a column per signal kind"
    fallback: ClassVar[bool] = True
    writable: ClassVar[bool] = True

    def sniff(self, head: bytes) -> bool:
        return True

    def read(self, path: Path, report: ImportReport, options: ImportOptions) -> Iterator[KnownHash]:
        return read_plain_csv(path, report, options.mapper(options.category_scheme or Scheme.UK))

    def write(self, records: Iterable[KnownHash], out: IO[str], context: ExportContext) -> int:
        return write_plain_csv(records, out)


for _format in (
    NsrlFormat(),
    VicsFormat(),
    Vics13Format(),
    NcmecHashSharingFormat(),
    IcseFormat(),
    PdqListFormat(),
    VpdqFileFormat(),
    PlainCsvFormat(),
):
    register_hashset_format(_format)

"""Line-oriented hash-set formats: INTERPOL ICSE export, footprint's plain CSV, PDQ lists."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

from footprint.errors import RecordError
from footprint.hashsets.model import (
    ImportReport,
    KnownHash,
    UnifiedCategory,
    normalise_hex,
    normalise_signal,
    parse_flag,
    present,
)
from footprint.hashsets.schemes import CategoryMapper
from footprint.signals.kinds import signal_kinds

ICSE_COLUMNS = [
    "MD5",
    "SHA1",
    "PhotoDNA",
    "Image ID",
    "Is distributed",
    "Victim identified",
    "Offender identified",
    "Series name",
    "Number of submissions",
    "File Available",
    "Media Type",
    "Baseline",
]
PLAIN_CSV_COLUMNS = [
    "record_id",
    "md5",
    "sha1",
    "sha256",
    "pdq",
    "photodna",
    "category",
    "victim_identified",
    "offender_identified",
    "distributed",
    "series",
    "date_updated",
]

RowParser = Callable[[dict[str, str]], KnownHash]


def _rows(
    path: Path, delimiter: str, report: ImportReport, required: set[str], parse: RowParser
) -> Iterator[KnownHash]:
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as stream:
        reader = csv.DictReader(stream, delimiter=delimiter)
        columns = {c.strip() for c in reader.fieldnames or []}
        missing = required - columns
        if missing:
            raise RecordError("header", f"missing column(s) {', '.join(sorted(missing))}")
        report.header = {"columns": sorted(columns)}
        for row in reader:
            line = reader.line_num
            cleaned = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
            if None in row:
                report.skip(line, "row", f"{len(row[None])} more fields than the header has")
                continue
            try:
                record = parse(cleaned)
            except RecordError as exc:
                report.skip(line, exc.field, exc.reason)
                continue
            if not record.has_any_hash():
                report.skip(line, "hashes", "no hash value in this row")
                continue
            yield record


def read_icse(path: Path, report: ImportReport) -> Iterator[KnownHash]:
    """ICSE export: no category column; Baseline=true means material meeting INTERPOL's
    baseline, graded here as indecent-uncategorised until a human grades it."""

    def parse(row: dict[str, str]) -> KnownHash:
        baseline = parse_flag(row.get("Baseline"), "Baseline")
        return KnownHash(
            record_id=row.get("Image ID") or None,
            signals=present(
                {
                    "md5": normalise_hex(row.get("MD5"), "md5"),
                    "sha1": normalise_hex(row.get("SHA1"), "sha1"),
                    "pdq": normalise_hex(row.get("PDQ"), "pdq"),
                }
            ),
            photodna=row.get("PhotoDNA") or None,
            source_scheme="icse",
            source_category="baseline" if baseline else None,
            category=UnifiedCategory.INDECENT_UNCATEGORISED
            if baseline
            else UnifiedCategory.UNCATEGORISED,
            victim_identified=parse_flag(row.get("Victim identified"), "Victim identified"),
            offender_identified=parse_flag(row.get("Offender identified"), "Offender identified"),
            distributed=parse_flag(row.get("Is distributed"), "Is distributed"),
            series=row.get("Series name") or None,
            extra={
                k: row[k]
                for k in ("Number of submissions", "File Available", "Media Type")
                if row.get(k)
            },
        )

    return _rows(path, ";", report, {"MD5", "SHA1", "PhotoDNA"}, parse)


def read_plain_csv(path: Path, report: ImportReport, mapper: CategoryMapper) -> Iterator[KnownHash]:
    """footprint's documented CSV (docs/formats.md): comma-separated, header row, any subset of
    PLAIN_CSV_COLUMNS with at least one hash column; other columns are kept as extra fields."""

    def parse(row: dict[str, str]) -> KnownHash:
        source_category, category = mapper.map(row.get("category"))
        return KnownHash(
            record_id=row.get("record_id") or None,
            signals=present({k: normalise_signal(row.get(k), k) for k in kinds if k in row}),
            photodna=row.get("photodna") or None,
            source_scheme=str(mapper.scheme),
            source_category=source_category,
            category=category,
            victim_identified=parse_flag(row.get("victim_identified"), "victim_identified"),
            offender_identified=parse_flag(row.get("offender_identified"), "offender_identified"),
            distributed=parse_flag(row.get("distributed"), "distributed"),
            series=row.get("series") or None,
            date_updated=row.get("date_updated") or None,
            extra={k: v for k, v in row.items() if k not in known_columns and v},
        )

    kinds = [k.name for k in signal_kinds()]  # every registered kind has a column of its name
    known_columns = {*PLAIN_CSV_COLUMNS, *kinds}
    with path.open(encoding="utf-8-sig", errors="replace") as stream:
        first = stream.readline().lower()
    if not any(c in first for c in (*kinds, "photodna")):
        raise RecordError("header", f"no hash column ({', '.join(kinds)} or photodna)")
    yield from _rows(path, ",", report, set(), parse)
    mapper.report_unknown(report)


def read_pdq_list(
    path: Path, report: ImportReport, category: UnifiedCategory
) -> Iterator[KnownHash]:
    """One 64-hex PDQ per line, as Meta and NCMEC share them. Blank lines and '#' comments are
    ignored; anything after the hash on a line (a quality, an id) is kept as extra."""
    with path.open(encoding="utf-8-sig", errors="replace") as stream:
        for line_number, line in enumerate(stream, start=1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            token, *rest = text.replace(",", " ").replace("\t", " ").split()
            try:
                pdq = normalise_hex(token, "pdq")
            except RecordError as exc:
                report.skip(line_number, exc.field, exc.reason)
                continue
            extra = {"line_fields": rest} if rest else {}
            yield KnownHash(
                signals=present({"pdq": pdq}),
                category=category,
                source_scheme="pdq-list",
                extra=extra,
            )

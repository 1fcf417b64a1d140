"""Line-oriented hash-set formats: INTERPOL ICSE export, footprint's plain CSV, PDQ lists."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

from footprint.errors import RecordError
from footprint.hashsets.model import (
    GradingVote,
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
# What footprint's own export adds, so that its CSV round trip loses nothing: the grade's source,
# the grading votes and the fields no column holds (JSON).
PLAIN_CSV_EXPORT_COLUMNS = ["source_scheme", "source_category", "votes", "extra"]
# ICSE carries no category: material a person graded indecent (or ICSE called baseline) goes
# out as Baseline true and comes back indecent-uncategorised.
_BASELINE = {
    UnifiedCategory.A,
    UnifiedCategory.B,
    UnifiedCategory.C,
    UnifiedCategory.INDECENT_UNCATEGORISED,
}

_ICSE_EXTRA = ("Number of submissions", "File Available", "Media Type")
T = TypeVar("T", list[Any], dict[str, Any])
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
                    "sha256": normalise_hex(row.get("SHA256"), "sha256"),
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
            extra={k: row[k] for k in _ICSE_EXTRA if row.get(k)},
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
            source_scheme=row.get("source_scheme", str(mapper.scheme)) or None,
            source_category=row.get("source_category", source_category) or None,
            category=category,
            victim_identified=parse_flag(row.get("victim_identified"), "victim_identified"),
            offender_identified=parse_flag(row.get("offender_identified"), "offender_identified"),
            distributed=parse_flag(row.get("distributed"), "distributed"),
            series=row.get("series") or None,
            date_updated=row.get("date_updated") or None,
            votes=_votes_cell(row.get("votes")),
            extra={
                **{k: v for k, v in row.items() if k not in known_columns and v},
                **_json_cell(row.get("extra"), "extra", dict),
            },
        )

    kinds = [k.name for k in signal_kinds()]  # every registered kind has a column of its name
    known_columns = {*PLAIN_CSV_COLUMNS, *PLAIN_CSV_EXPORT_COLUMNS, *kinds}
    with path.open(encoding="utf-8-sig", errors="replace") as stream:
        first = stream.readline().lower()
    if not any(c in first for c in (*kinds, "photodna")):
        raise RecordError("header", f"no hash column ({', '.join(kinds)} or photodna)")
    yield from _rows(path, ",", report, set(), parse)
    mapper.report_unknown(report)


def _json_cell(text: str | None, column: str, kind: type[T]) -> T:
    """A cell of footprint's export that holds JSON (votes, extra); empty is an empty one."""
    if not text:
        return kind()
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordError(column, f"not JSON: {exc.msg}") from None
    if not isinstance(value, kind):
        raise RecordError(column, f"expected a JSON {kind.__name__}, got {type(value).__name__}")
    return value


def _votes_cell(text: str | None) -> list[GradingVote]:
    votes = []
    for entry in _json_cell(text, "votes", list):
        try:
            votes.append(
                GradingVote(
                    str(entry["grader"]), UnifiedCategory(entry["category"]), entry.get("voted_at")
                )
            )
        except (TypeError, KeyError, ValueError):
            raise RecordError("votes", f"not a grading vote: {entry!r}") from None
    return votes


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


# --- export -----------------------------------------------------------------------------------


def _flag_text(value: bool | None) -> str:
    return "" if value is None else str(value).lower()


def write_icse(records: Iterable[KnownHash], out: IO[str]) -> int:
    """INTERPOL ICSE's semicolon CSV, with the SHA256 and PDQ columns its reader takes too."""
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow([*ICSE_COLUMNS, "SHA256", "PDQ"])
    count = 0
    for record in records:
        count += 1
        extra = record.extra
        baseline = record.category in _BASELINE or record.source_category == "baseline"
        writer.writerow(
            [
                record.md5 or "",
                record.sha1 or "",
                record.photodna or "",
                record.record_id or "",
                _flag_text(record.distributed),
                _flag_text(record.victim_identified),
                _flag_text(record.offender_identified),
                record.series or "",
                *(str(extra.get(k, "")) for k in _ICSE_EXTRA),
                _flag_text(baseline),
                record.sha256 or "",
                record.pdq or "",
            ]
        )
    return count


def write_plain_csv(records: Iterable[KnownHash], out: IO[str]) -> int:
    """footprint's plain CSV with every registered signal kind as a column, and the columns that
    make its round trip loss-free (PLAIN_CSV_EXPORT_COLUMNS)."""
    kinds = [k.name for k in signal_kinds()]
    columns = ["record_id", *kinds, *PLAIN_CSV_COLUMNS[5:], *PLAIN_CSV_EXPORT_COLUMNS]
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    count = 0
    for record in records:
        count += 1
        votes = [
            {"grader": v.grader, "category": str(v.category), "voted_at": v.voted_at}
            for v in record.votes
        ]
        writer.writerow(
            {
                "record_id": record.record_id or "",
                **{kind: record.signals.get(kind, "") for kind in kinds},
                "photodna": record.photodna or "",
                "category": str(record.category),
                "victim_identified": _flag_text(record.victim_identified),
                "offender_identified": _flag_text(record.offender_identified),
                "distributed": _flag_text(record.distributed),
                "series": record.series or "",
                "date_updated": record.date_updated or "",
                "source_scheme": record.source_scheme or "",
                "source_category": record.source_category or "",
                "votes": json.dumps(votes) if votes else "",
                "extra": json.dumps(record.extra) if record.extra else "",
            }
        )
    return count


def write_pdq_list(records: Iterable[KnownHash], out: IO[str], title: str) -> int:
    """One PDQ per line; records without one are left out (the count says how many went)."""
    out.write(f"# {title}\n")
    count = 0
    for record in records:
        if record.pdq:
            out.write(record.pdq + "\n")
            count += 1
    return count

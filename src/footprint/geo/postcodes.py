"""Loading postcode -> police force area data: the ONS Postcode Directory (ONSPD, loaded by the
user, never bundled; columns `pcds` and `pfa`) or an explicit table (`postcode,pfa`, where the
postcode may be a whole postcode or an outward code such as `SW1A`)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from footprint.errors import RecordError, SkippedRecord
from footprint.store.models import Organisation, PostcodeArea

BATCH = 10_000
_OUTWARD_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


@dataclass(slots=True)
class PostcodeLoadReport:
    source: str
    format: str
    loaded: int = 0
    skipped: list[SkippedRecord] = field(default_factory=list)


_POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")


def normalise_postcode(value: str, field: str) -> str:
    """UK postcode in the ONS `pcds` form: outward code, one space, inward code."""
    text = re.sub(r"\s+", "", value.upper())
    found = _POSTCODE_RE.match(text[:-3] + " " + text[-3:]) if len(text) > 3 else None
    if found is None:
        raise RecordError(field, f"not a UK postcode: {value!r}")
    return f"{found.group(1)} {found.group(2)}"


def outward_code(postcode: str) -> str:
    return postcode.split(" ")[0]


def _area_key(value: str, column: str, allow_district: bool) -> str:
    text = re.sub(r"\s+", " ", value.strip().upper())
    if allow_district and _OUTWARD_RE.match(text):
        return text
    return normalise_postcode(text, column)


def _rows(
    path: Path, fmt: str, known_pfas: set[str], report: PostcodeLoadReport
) -> Iterator[dict[str, str]]:
    postcode_column = "pcds" if fmt == "onspd" else "postcode"
    with path.open(newline="", encoding="utf-8-sig") as stream:
        reader = csv.DictReader(stream)
        columns = {c.strip().lower() for c in reader.fieldnames or []}
        missing = {postcode_column, "pfa"} - columns
        if missing:
            raise RecordError("header", f"missing column(s) {', '.join(sorted(missing))}")
        for row in reader:
            cleaned = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            try:
                key = _area_key(
                    cleaned[postcode_column], postcode_column, allow_district=fmt == "table"
                )
                pfa = cleaned["pfa"].upper()
                if pfa not in known_pfas:
                    raise RecordError("pfa", f"{pfa!r} is not a police force area code")
            except RecordError as exc:
                report.skipped.append(SkippedRecord(reader.line_num, exc.field, exc.reason))
                continue
            yield {"postcode": key, "pfa": pfa, "source": fmt}


def _upsert(session: Session, rows: list[dict[str, Any]]) -> None:
    """Later loads replace earlier ones: an explicit table corrects the directory."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(PostcodeArea).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["postcode"],
        set_={"pfa": statement.excluded.pfa, "source": statement.excluded.source},
    )
    session.execute(statement)


def load_postcodes(session: Session, path: Path, fmt: str) -> PostcodeLoadReport:
    """Load in the caller's transaction (all or nothing); bad rows are skipped and named."""
    if fmt not in ("onspd", "table"):
        raise RecordError("format", f"{fmt!r}: choose onspd or table")
    report = PostcodeLoadReport(str(path), fmt)
    known = set(session.scalars(select(Organisation.code).where(Organisation.kind == "force")))
    batch: dict[str, dict[str, str]] = {}
    for row in _rows(path, fmt, known, report):
        batch[row["postcode"]] = row
        if len(batch) >= BATCH:
            _upsert(session, list(batch.values()))
            report.loaded += len(batch)
            batch.clear()
    if batch:
        _upsert(session, list(batch.values()))
        report.loaded += len(batch)
    return report

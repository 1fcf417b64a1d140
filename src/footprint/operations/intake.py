"""Referral intake: stream a file in, validate each referral, store the good ones in batches.

Each batch is one transaction (with its audit entry), so a crash loses at most the batch in
flight and a rerun finishes the job: a referral already present (same source and report id)
is counted and left exactly as it is.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import ijson
from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from footprint.hashsets.model import RecordError, SkippedRecord
from footprint.operations.referral_format import ParsedReferral, parse_p2p_row, parse_referral
from footprint.operations.service import get_operation
from footprint.security import audit
from footprint.security.actor import AccessDenied, Actor
from footprint.store import Database
from footprint.store.database import chunks
from footprint.store.models import (
    Referral,
    ReferralFileRow,
    ReferralIdentifier,
    ReferralIpEvent,
    ReferralPostcode,
)

BATCH = 2_000


@dataclass(slots=True)
class IntakeReport:
    source: str
    format: str
    imported: int = 0
    already_present: int = 0
    skipped: list[SkippedRecord] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "imported": self.imported,
            "already_present": self.already_present,
            "skipped": [
                {"record": s.record, "field": s.field, "reason": s.reason} for s in self.skipped
            ],
            "error": self.error,
        }


def detect_format(path: Path) -> str:
    with path.open("rb") as stream:
        head = stream.read(65536).decode("utf-8", errors="replace").lstrip("\ufeff").lstrip()
    if head.startswith("["):
        return "json-array"
    if head.startswith("{"):
        first_line = head.splitlines()[0]
        try:
            first = json.loads(first_line)
        except json.JSONDecodeError:
            return "json-object"  # an object spread over several lines
        return "json-object" if isinstance(first, dict) and "referrals" in first else "json-lines"
    return "p2p-csv"


def _documents(path: Path, fmt: str) -> Iterator[tuple[int, Any]]:
    """(record number, raw document); JSON Lines and CSV number by line."""
    if fmt == "p2p-csv":
        with path.open(newline="", encoding="utf-8-sig") as stream:
            reader = csv.DictReader(stream)
            for row in reader:
                yield (
                    reader.line_num,
                    {k.strip().lower(): (v or "").strip() for k, v in row.items() if k},
                )
        return
    if fmt == "json-lines":
        with path.open(encoding="utf-8-sig") as stream:
            for number, line in enumerate(stream, start=1):
                if line.strip():
                    try:
                        yield number, json.loads(line)
                    except json.JSONDecodeError as exc:
                        yield number, RecordError("line", f"not JSON: {exc.msg}")
        return
    prefix = "item" if fmt == "json-array" else "referrals.item"
    with path.open("rb") as stream:
        if stream.read(3) != b"\xef\xbb\xbf":
            stream.seek(0)
        yield from enumerate(ijson.items(stream, prefix, use_float=True), start=1)


def _parsed(path: Path, fmt: str, report: IntakeReport) -> Iterator[tuple[int, ParsedReferral]]:
    parse = parse_p2p_row if fmt == "p2p-csv" else parse_referral
    for number, document in _documents(path, fmt):
        try:
            if isinstance(document, RecordError):
                raise document
            yield number, parse(document)
        except RecordError as exc:
            report.skipped.append(SkippedRecord(number, exc.field, exc.reason))


def _insert(
    session: Session, operation_id: int, batch: list[ParsedReferral], received_at: datetime
) -> None:
    """Bulk inserts: the referral rows (their ids come back in order), then each child table."""
    connection = session.connection()  # Core executemany: the ORM adds nothing to plain rows
    table = cast(Table, Referral.__table__)
    ids = connection.scalars(
        insert(table).returning(table.c.id, sort_by_parameter_order=True),
        [
            {
                "operation_id": operation_id,
                "source": p.source,
                "report_id": p.report_id,
                "incident_type": p.incident_type,
                "incident_at": p.incident_at,
                "received_at": received_at,
                "prior_report_ids": p.prior_report_ids,
            }
            for p in batch
        ],
    ).all()
    children: dict[type[Any], list[dict[str, Any]]] = {
        ReferralIdentifier: [],
        ReferralIpEvent: [],
        ReferralFileRow: [],
        ReferralPostcode: [],
    }
    for referral_id, p in zip(ids, batch, strict=True):
        children[ReferralIdentifier] += [
            {"referral_id": referral_id, "kind": i.kind, "value": i.value} for i in p.identifiers
        ]
        children[ReferralIpEvent] += [
            {"referral_id": referral_id} | _fields(e, _IP_EVENT_FIELDS) for e in p.ip_events
        ]
        children[ReferralFileRow] += [
            {"referral_id": referral_id, "grade_status": "ungraded"} | _fields(f, _FILE_FIELDS)
            for f in p.files
        ]
        children[ReferralPostcode] += [
            {"referral_id": referral_id, "postcode": code} for code in dict.fromkeys(p.postcodes)
        ]
    for model, rows in children.items():
        if rows:
            connection.execute(insert(model.__table__), rows)


_IP_EVENT_FIELDS = ("ip", "port", "at", "event", "possible_proxy")
_FILE_FIELDS = (
    "file_name",
    "md5",
    "sha1",
    "sha256",
    "pdq",
    "photodna",
    "industry_classification",
    "uploaded_at",
)


def _fields(item: object, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(item, name) for name in names}


def _already_present(session: Session, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Keys already in the store: one IN list of report ids per source, which the (source,
    report_id) index serves (SQLite scans the table for a row-value IN list)."""
    by_source: dict[str, list[str]] = {}
    for source, report_id in keys:
        by_source.setdefault(source, []).append(report_id)
    present: set[tuple[str, str]] = set()
    for source, report_ids in by_source.items():
        for chunk in chunks(report_ids, 1_000):
            rows = session.execute(
                select(Referral.source, Referral.report_id).where(
                    Referral.source == source, Referral.report_id.in_(chunk)
                )
            )
            present.update((s, r) for s, r in rows)
    return present


def _store_batch(
    db: Database,
    actor: Actor,
    operation_name: str,
    batch: dict[tuple[str, str], ParsedReferral],
    report: IntakeReport,
) -> None:
    with db.unit_of_work() as session:
        operation = get_operation(session, actor, operation_name)
        present = _already_present(session, list(batch))
        received_at = datetime.now(UTC)
        new = [key for key in batch if key not in present]
        if new:
            _insert(session, operation.id, [batch[key] for key in new], received_at)
            audit.record(
                session,
                actor,
                "referral.import",
                "operation",
                operation.id,
                file=report.source,
                referrals=[f"{s}:{r}" for s, r in new],
            )
    report.imported += len(new)
    report.already_present += len(present)


def import_referrals(db: Database, actor: Actor, operation_name: str, path: Path) -> IntakeReport:
    if not actor.is_coordinator:
        raise AccessDenied("referrals are taken in by the national coordinator")
    fmt = detect_format(path)
    report = IntakeReport(source=str(path), format=fmt)
    with db.unit_of_work() as session:
        get_operation(session, actor, operation_name)  # fail fast on an unknown operation
    batch: dict[tuple[str, str], ParsedReferral] = {}
    try:
        for _number, parsed in _parsed(path, fmt, report):
            batch.setdefault((parsed.source, parsed.report_id), parsed)
            if len(batch) >= BATCH:
                _store_batch(db, actor, operation_name, batch, report)
                batch = {}
        if batch:
            _store_batch(db, actor, operation_name, batch, report)
    except (ijson.JSONError, UnicodeDecodeError, csv.Error) as exc:
        report.error = (
            f"{path}: {exc}; referrals before this point were taken in, rerun after fixing"
        )
    return report

"""Referral intake: stream a file in, validate each referral, store the good ones in batches.

Each batch is one transaction (with its audit entry), so a crash loses at most the batch in
flight and a rerun finishes the job: a referral already present (same source and report id)
is counted and left exactly as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from footprint.errors import RecordError, SkippedRecord
from footprint.hashsets.grading import FileGrade
from footprint.operations.referral_stream import (
    Incoming,
    MalformedFile,
    detect_format,
    parsed_referrals,
)
from footprint.operations.service import get_operation
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.permissions import Action, require
from footprint.store import Database
from footprint.store.bulk import Row, bulk_stage, insert_rows, reserve_ids
from footprint.store.database import chunks
from footprint.store.models import (
    Referral,
    ReferralFileRow,
    ReferralFileSignal,
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

    @property
    def read_any(self) -> bool:
        """Whether any referral was read from the file, taken in or not."""
        return bool(self.imported or self.already_present or self.skipped)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _insert(
    session: Session, operation_id: int, batch: list[Incoming], received_at: datetime
) -> None:
    """Bulk inserts through the driver: the referral rows with ids reserved for them, then
    each child table."""
    connection = session.connection()
    ids = reserve_ids(connection, _REFERRALS, len(batch))
    referrals: list[Row] = []
    identifiers: list[Row] = []
    ip_events: list[Row] = []
    files: list[Row] = []
    signals: list[Row] = []
    postcodes: list[Row] = []
    file_ids = iter(reserve_ids(connection, _FILES, sum(len(i.files) for i in batch)))
    for referral_id, incoming in zip(ids, batch, strict=True):
        referrals.append(
            (referral_id, operation_id, *incoming.key, *incoming.referral, received_at)
        )
        identifiers += [(referral_id, *identifier) for identifier in incoming.identifiers]
        ip_events += [(referral_id, *event) for event in incoming.ip_events]
        for *item, found in incoming.files:
            file_id = next(file_ids)
            files.append((file_id, referral_id, FileGrade.UNGRADED, *item))
            signals += [(file_id, kind, value) for kind, value in found.items()]
        postcodes += [(referral_id, code) for code in incoming.postcodes]
    for table, columns, rows in (
        (_REFERRALS, _REFERRAL_COLUMNS, referrals),
        (_IDENTIFIERS, ("referral_id", "kind", "value"), identifiers),
        (_IP_EVENTS, _IP_EVENT_COLUMNS, ip_events),
        (_FILES, _FILE_COLUMNS, files),
        (_FILE_SIGNALS, ("file_id", "kind", "value"), signals),
        (_POSTCODES, ("referral_id", "postcode"), postcodes),
    ):
        insert_rows(connection, table, columns, rows)


_REFERRALS = cast(Table, Referral.__table__)
_IDENTIFIERS = cast(Table, ReferralIdentifier.__table__)
_IP_EVENTS = cast(Table, ReferralIpEvent.__table__)
_FILES = cast(Table, ReferralFileRow.__table__)
_FILE_SIGNALS = cast(Table, ReferralFileSignal.__table__)
_POSTCODES = cast(Table, ReferralPostcode.__table__)
# the orders of operations/referral_stream.Incoming's parts, after the ids
_REFERRAL_COLUMNS = (
    "id",
    "operation_id",
    "source",
    "report_id",
    "incident_type",
    "incident_at",
    "prior_report_ids",
    "received_at",
)
_IP_EVENT_COLUMNS = ("referral_id", "ip", "port", "at", "event", "possible_proxy")
_FILE_COLUMNS = (
    "id",
    "referral_id",
    "grade_status",
    "file_name",
    "photodna",
    "industry_classification",
    "uploaded_at",
)


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
    batch: dict[tuple[str, str], Incoming],
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


@bulk_stage
def import_referrals(
    db: Database,
    actor: Actor,
    operation_name: str,
    path: Path,
    worker: bool | None = None,
    progress: Callable[[int], None] | None = None,
) -> IntakeReport:
    """Take in a referrals file (format detected; see docs/formats.md). `worker`: parse in a
    second process; by default only for large files on a machine with more than one core."""
    require(actor, Action.REFERRAL_IMPORT)
    fmt = detect_format(path)
    report = IntakeReport(source=str(path), format=fmt)
    with db.unit_of_work() as session:
        get_operation(session, actor, operation_name)  # fail fast on an unknown operation
    batch: dict[tuple[str, str], Incoming] = {}
    try:
        for number, incoming in parsed_referrals(path, fmt, worker):
            if isinstance(incoming, RecordError):
                report.skipped.append(SkippedRecord(number, incoming.field, incoming.reason))
                continue
            batch.setdefault(incoming.key, incoming)
            if len(batch) >= BATCH:
                _store_batch(db, actor, operation_name, batch, report)
                batch = {}
                if progress is not None:
                    progress(number)  # records read so far
        if batch:
            _store_batch(db, actor, operation_name, batch, report)
    except MalformedFile as exc:
        if batch:
            _store_batch(db, actor, operation_name, batch, report)
        report.error = (
            f"{exc}; referrals before this point were taken in, rerun after fixing"
            if report.read_any
            else f"{exc}; nothing was taken in"
        )
    if report.error is None and not report.read_any:
        report.error = f"{path}: no referral in it (read as {fmt}); nothing was taken in"
    return report

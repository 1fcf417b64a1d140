"""Grading referral files: the detection engine first, people for what it does not know.

A file whose hashes match a known set takes the most serious category among its matches. A file
matching nothing is queued for human grading; graders' votes settle it by the rule of the
domain (three independent, undisputed votes; see hashsets/grading.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from footprint.hashsets.grading import FileGrade
from footprint.hashsets.model import SEVERITY
from footprint.hashsets.store import KnownHashStore
from footprint.matching import Match, Matcher, queries_of
from footprint.operations.service import get_operation
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.permissions import Action, require
from footprint.store import Database
from footprint.store.bulk import Row, bulk_stage, update_rows
from footprint.store.models import Referral, ReferralFileRow, ReferralFileSignal

BATCH = 5_000


@dataclass(slots=True)
class GradingReport:
    files: int = 0
    matched: Counter[str] = field(default_factory=Counter)
    queued: int = 0
    cleared: int = 0  # only an ignore set knows them: nobody need look
    suppressed: int = 0


def _most_serious(matches: list[Match]) -> Match:
    return min(matches, key=lambda m: (SEVERITY.index(m.category), m.distance))


@bulk_stage
def grade_operation(
    db: Database,
    hashsets: KnownHashStore,
    actor: Actor,
    operation_name: str,
    set_names: list[str],
    progress: Callable[[int], None] | None = None,
) -> GradingReport:
    """Grade every ungraded file of the operation's referrals, a batch per transaction."""
    require(actor, Action.REFERRAL_GRADE)
    matcher, infos = hashsets.open_matcher(set_names)
    report = GradingReport()
    while True:
        with db.unit_of_work() as session:
            operation = get_operation(session, actor, operation_name)
            files = _ungraded_signals(session, operation.id)
            if not files:
                return report
            now = datetime.now(UTC)
            grades = [_grade(matcher, item, found, now, report) for item, found in files.items()]
            update_rows(session.connection(), _FILES, _GRADE_COLUMNS, grades)
            audit.record(
                session,
                actor,
                "referral.grade",
                "operation",
                operation.id,
                files=len(files),
                sets={i.name: i.version for i in infos},
            )
        if progress is not None:
            progress(report.files)  # files graded so far


def _ungraded_signals(session: Session, operation_id: int) -> dict[int, dict[str, str]]:
    """The next batch of the operation's ungraded files, each with its signals (kind -> value);
    a file that came without any signal is graded all the same (it goes to the graders)."""
    batch = (
        select(ReferralFileRow.id)
        .join(Referral)
        .where(
            Referral.operation_id == operation_id,
            ReferralFileRow.grade_status == FileGrade.UNGRADED,
        )
        .order_by(ReferralFileRow.id)
        .limit(BATCH)
        .subquery()
    )
    files: dict[int, dict[str, str]] = {
        file_id: {} for file_id in session.scalars(select(batch.c.id).order_by(batch.c.id))
    }
    signals = select(
        ReferralFileSignal.file_id, ReferralFileSignal.kind, ReferralFileSignal.value
    ).where(ReferralFileSignal.file_id.in_(select(batch.c.id)))
    for file_id, kind, value in session.execute(signals):
        files[file_id][kind] = value
    return files


def _grade(
    matcher: Matcher,
    file_id: int,
    found: dict[str, str],
    now: datetime,
    report: GradingReport,
) -> Row:
    """One file's grade: its most serious known match; cleared when only an ignore set (NSRL,
    the negative bank) knows it; else the human grading queue."""
    result = matcher.match(queries_of(found))
    report.files += 1
    report.suppressed += bool(result.suppressed)
    known = [m for m in result.matches if not m.ignore]
    if not known:
        cleared = bool(result.matches)  # ignore matches only
        report.cleared += cleared
        report.queued += not cleared
        status = FileGrade.CLEARED if cleared else FileGrade.QUEUED
        return (status, None, None, None, None, None, None, now, file_id)
    best = _most_serious(known)
    report.matched[best.category] += 1
    return (
        FileGrade.MATCHED,
        best.category,
        best.set,
        best.record_id,
        best.kind,
        best.distance,
        best.category,
        now,
        file_id,
    )


_FILES = cast(Table, ReferralFileRow.__table__)
# the order of a grade's values (operations/grading._grade), followed by the file's id
_GRADE_COLUMNS = (
    "grade_status",
    "category",
    "match_set",
    "match_record_id",
    "match_kind",
    "match_distance",
    "match_category",
    "graded_at",
)

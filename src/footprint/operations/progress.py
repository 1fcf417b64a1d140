"""Progress over time for the dashboards: cumulative packages issued, arrests (and voluntary
interviews) and charges, week by week. The coordinator sees the operation as a whole, a force
its own cases; counts may be a minute old (kept per process, like the figures)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from footprint.operations.case_workflow import CaseState
from footprint.operations.service import get_operation
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.store import Database
from footprint.store.models import Case, CaseEvent, IntelPackage, Organisation, Subject
from footprint.store.recent import RecentResults

SERIES = {
    "packages issued": None,
    "arrests and voluntary interviews": (CaseState.ARRESTED, CaseState.VOLUNTARY_INTERVIEW),
    "charged": (CaseState.CHARGED,),
}


@dataclass(frozen=True, slots=True)
class Progress:
    weeks: list[date]  # the Monday of each week shown, oldest first
    cumulative: dict[str, list[int]]  # series name -> running total at the end of each week


_RECENT: RecentResults[Progress] = RecentResults()


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _scoped(query: Select[Any], actor: Actor, force_column: Any) -> Select[Any]:
    if actor.is_coordinator:
        return query
    return query.join(Organisation, Organisation.id == force_column).where(
        Organisation.code == actor.organisation
    )


def _per_day(
    session: Session, actor: Actor, moment: Any, query: Select[Any], force_column: Any
) -> list[Any]:
    """(day, count) rows: the database counts, Python only adds up the days."""
    day = func.date(moment)
    counted = query.with_only_columns(day, func.count()).group_by(day)
    return list(session.execute(_scoped(counted, actor, force_column)).all())


def _counted(session: Session, actor: Actor, operation_id: int, mondays: list[date]) -> Progress:
    issued = (
        select(IntelPackage.id)
        .join(Subject, Subject.id == IntelPackage.subject_id)
        .where(Subject.operation_id == operation_id)
    )
    rows = _per_day(session, actor, IntelPackage.issued_at, issued, IntelPackage.force_id)
    series = {"packages issued": _cumulative(rows, mondays)}
    for name, states in SERIES.items():
        if states is None:
            continue
        reached = (
            select(CaseEvent.id)
            .join(Case, Case.id == CaseEvent.case_id)
            .where(Case.operation_id == operation_id, CaseEvent.to_state.in_(states))
        )
        events = _per_day(session, actor, CaseEvent.at, reached, Case.force_id)
        series[name] = _cumulative(events, mondays)
    return Progress(mondays, series)


def progress_over_time(
    db: Database,
    actor: Actor,
    operation: str,
    today: date,
    weeks: int = 12,
    max_age: timedelta | None = None,
) -> Progress:
    with audit.reading(db) as session:
        op = get_operation(session, actor, operation)
        first = _monday(today) - timedelta(weeks=weeks - 1)
        mondays = [first + timedelta(weeks=i) for i in range(weeks)]

        op_id = op.id

        def counted() -> Progress:  # its own session: it may run in the background
            with db.unit_of_work() as own:
                return _counted(own, actor, op_id, mondays)

        scope = "*" if actor.is_coordinator else actor.organisation
        key = (db.url, op.id, scope, today, weeks)
        progress = (
            _RECENT.get(key, max_age.total_seconds(), counted) if max_age is not None else counted()
        )
        audit.record_read(session, actor, "progress.read", "operation", op.id, weeks=weeks)
        return progress


def _cumulative(per_day: list[Any], mondays: list[date]) -> list[int]:
    """Running totals at the end of each week from (day, count) rows (the day as a date or
    its ISO text); everything before the first week counts in it, anything after in none."""
    per_week: Counter[int] = Counter()
    for day, count in per_day:
        when = date.fromisoformat(str(day)[:10]) if not isinstance(day, date) else day
        index = max(0, (_monday(when) - mondays[0]).days // 7)
        if index < len(mondays):
            per_week[index] += int(count)
    totals, running = [], 0
    for index in range(len(mondays)):
        running += per_week[index]
        totals.append(running)
    return totals

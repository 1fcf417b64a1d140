"""What needs a person's attention now, worked out from the records each time it is asked
(nothing to mark read, nothing to go stale): for a force, packages waiting to be acknowledged,
deadlines near or passed, bail ending soon, and the reader's own tasks due soon or overdue;
for the coordinator, packages past their deadline in any force. Most urgent first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from footprint.clock import service_day, uk_day, uk_time
from footprint.operations.bail import bail_expiring
from footprint.operations.package_list import PackageFilter, PackageRow, list_packages
from footprint.operations.tasks import list_tasks
from footprint.security.actor import Actor
from footprint.store import Database

DEADLINE_NEAR = timedelta(hours=48)  # a package deadline this close is called out
BAIL_SOON_DAYS = 7  # active bail ending within a week
TASK_SOON = timedelta(days=2)  # a task due within two days
EACH = 50  # at most this many of each kind: the lists behind them have the rest


class NoticeKind(StrEnum):
    PACKAGE_OVERDUE = "package-overdue"
    TASK_OVERDUE = "task-overdue"
    BAIL_ENDING = "bail-ending"
    DEADLINE_NEAR = "deadline-near"
    NEW_PACKAGE = "new-package"
    TASK_DUE = "task-due"


URGENT = frozenset({NoticeKind.PACKAGE_OVERDUE, NoticeKind.TASK_OVERDUE})


@dataclass(frozen=True, slots=True)
class Notice:
    kind: NoticeKind
    message: str
    link: str
    due: date  # the day it is due (or was)

    @property
    def urgent(self) -> bool:
        return self.kind in URGENT


def notices_for(db: Database, actor: Actor, now: datetime | None = None) -> list[Notice]:
    """The reader's notices, most urgent first, then soonest due."""
    now = now or datetime.now(UTC)
    today = service_day(now)
    found = _package_notices(db, actor, now)
    if not actor.is_coordinator:
        found += _bail_notices(db, actor, today)
        found += _task_notices(db, actor, today)
    order = list(NoticeKind)
    return sorted(found, key=lambda n: (order.index(n.kind), n.due))


def _package_notices(db: Database, actor: Actor, now: datetime) -> list[Notice]:
    waiting = list_packages(db, actor, PackageFilter(due="awaiting"), limit=EACH, now=now)
    notices = []
    for row in waiting:
        if row.overdue:
            kind, said = NoticeKind.PACKAGE_OVERDUE, f"was due {uk_time(row.deadline)}"
        elif row.deadline - now <= DEADLINE_NEAR:
            kind, said = NoticeKind.DEADLINE_NEAR, f"due {uk_time(row.deadline)}"
        elif row.case_id is None and not actor.is_coordinator:
            kind, said = NoticeKind.NEW_PACKAGE, f"act by {uk_time(row.deadline)}"
        else:
            continue
        notices.append(Notice(kind, _package_message(row, said, actor), _link(row), _day(row)))
    return notices


def _package_message(row: PackageRow, said: str, actor: Actor) -> str:
    where = f" ({row.force})" if actor.is_coordinator else ""
    state = "not yet acknowledged" if row.case_id is None else f"case {row.case_state}"
    return f"Package {row.id}{where}, {row.risk_band} risk, {state}: {said}"


def _link(row: PackageRow) -> str:
    return f"/cases/{row.case_id}" if row.case_id else f"/packages/{row.id}"


def _day(row: PackageRow) -> date:
    return service_day(row.deadline)


def _bail_notices(db: Database, actor: Actor, today: date) -> list[Notice]:
    return [
        Notice(
            NoticeKind.BAIL_ENDING,
            f"Bail on case {b.case_id} ends {uk_day(b.expires_on)} ({b.days_left} days left); "
            f"extension by a {b.next_authority}",
            f"/cases/{b.case_id}",
            b.expires_on,
        )
        for b in bail_expiring(db, actor, today, BAIL_SOON_DAYS, limit=EACH)
    ]


def _task_notices(db: Database, actor: Actor, today: date) -> list[Notice]:
    notices = []
    for task in list_tasks(db, actor, actor.username, limit=EACH):
        if task.due_on > today + TASK_SOON:
            break  # soonest due first: the rest are later still
        kind = NoticeKind.TASK_OVERDUE if task.overdue else NoticeKind.TASK_DUE
        notices.append(
            Notice(
                kind,
                f"Task on case {task.case_id}: {task.title} (due {uk_day(task.due_on)})",
                f"/cases/{task.case_id}",
                task.due_on,
            )
        )
    return notices

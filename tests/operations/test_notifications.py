"""Notifications are worked out from the records: a new package, a deadline near or passed,
bail ending within a week, the reader's tasks due soon or overdue; most urgent first."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from footprint.clock import service_day
from footprint.operations.allocation import assign_manually
from footprint.operations.assessments import assess_subject
from footprint.operations.bail import start_bail
from footprint.operations.cases import advance_case, get_case
from footprint.operations.intake import import_referrals
from footprint.operations.notifications import NoticeKind, notices_for
from footprint.operations.packages import issue_package
from footprint.operations.subjects import resolve_subjects
from footprint.operations.tasks import add_task
from footprint.security.actor import Actor
from footprint.security.roles import Role
from footprint.security.users import add_user
from footprint.store import Database
from footprint.store.models import CaseTask, IntelPackage, Referral, SubjectReferral
from tests.operations.cases_setup import GMP, MET, OPERATION, investigator, open_cases
from tests.operations.samples import lone_referral

COORDINATOR = Actor("coord", "NCA", frozenset({Role.COORDINATOR}))


@pytest.fixture
def case_id(database: Database, tmp_path: Path) -> int:
    with database.unit_of_work() as session:
        add_user(session, Actor.system(), f"inv-{MET}", MET, [Role.INVESTIGATOR])
    return open_cases(database, tmp_path, [MET])[0]


def _issued(database: Database, tmp_path: Path, n: int) -> IntelPackage:
    """A package issued to the Met and not yet acknowledged (high risk: due in a week)."""
    path = tmp_path / f"new-{n}.json"
    path.write_text(json.dumps([lone_referral(n)]))
    import_referrals(database, Actor.system(), OPERATION, path)
    resolve_subjects(database, Actor.system(), OPERATION)
    with database.unit_of_work() as session:
        subject_id = session.scalars(
            select(SubjectReferral.subject_id)
            .join(Referral, Referral.id == SubjectReferral.referral_id)
            .where(Referral.report_id == f"TIP-{n:06d}")
        ).one()
    assign_manually(database, Actor.system(), subject_id, MET, "test")
    assess_subject(database, Actor.system(), subject_id, {"grooming", "lives_with_children"})
    view = issue_package(database, Actor.system(), subject_id)
    with database.unit_of_work() as session:
        return session.get_one(IntelPackage, view.id)


def test_a_package_waiting_is_new_then_near_then_overdue(
    database: Database, tmp_path: Path, case_id: int
) -> None:
    package = _issued(database, tmp_path, 500)
    deadline = package.deadline.replace(tzinfo=UTC)  # high risk: a week from issue
    me = investigator(MET)
    kinds = {n.link: n.kind for n in notices_for(database, me)}
    assert kinds[f"/packages/{package.id}"] is NoticeKind.NEW_PACKAGE
    near = notices_for(database, me, now=deadline - timedelta(hours=20))
    assert {n.link: n.kind for n in near}[f"/packages/{package.id}"] is NoticeKind.DEADLINE_NEAR
    late = notices_for(database, me, now=deadline + timedelta(hours=1))
    first = late[0]
    assert (first.kind, first.urgent) == (NoticeKind.PACKAGE_OVERDUE, True)
    assert f"Package {package.id}, high risk, not yet acknowledged: was due" in first.message
    assert notices_for(database, investigator(GMP)) == []  # another force hears nothing of it
    national = notices_for(database, COORDINATOR, now=deadline + timedelta(hours=1))
    assert any(f"Package {package.id} ({MET})" in n.message for n in national)


def test_bail_ending_and_tasks_due_are_called_out(database: Database, case_id: int) -> None:
    me = investigator(MET)
    arrested = service_day() - timedelta(days=2)
    for state in ("researching", "voluntary-interview"):
        advance_case(database, me, case_id, state)
    advance_case(database, me, case_id, "released-under-investigation")
    start_bail(database, me, case_id, arrested, ["no unsupervised contact"], "Insp")
    expires = get_case(database, me, case_id).bail[0]["expires_on"]
    at = datetime.combine(expires - timedelta(days=3), time(12), tzinfo=UTC)
    ending = [n for n in notices_for(database, me, now=at) if n.kind is NoticeKind.BAIL_ENDING]
    assert [n.link for n in ending] == [f"/cases/{case_id}"]
    assert "3 days left" in ending[0].message
    assert not any(n.kind is NoticeKind.BAIL_ENDING for n in notices_for(database, me))
    today = service_day()
    add_task(database, me, case_id, "Soon", me.username, today + timedelta(days=1))
    add_task(database, me, case_id, "Later", me.username, today + timedelta(days=9))
    late = add_task(database, me, case_id, "Late", me.username, today).tasks
    with database.unit_of_work() as session:
        late_id = next(t["id"] for t in late if t["title"] == "Late")
        session.execute(
            update(CaseTask).where(CaseTask.id == late_id).values(due_on=today - timedelta(1))
        )
    tasks = [n for n in notices_for(database, me) if n.kind.startswith("task")]
    assert [(n.kind, n.message.split(": ")[1].split(" (")[0]) for n in tasks] == [
        (NoticeKind.TASK_OVERDUE, "Late"),
        (NoticeKind.TASK_DUE, "Soon"),
    ]

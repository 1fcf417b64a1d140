"""Daily casework: the officer in charge of a case (with its history), tasks with owners and due
days, and the case list's filters and orders."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from footprint.clock import service_day
from footprint.errors import Conflict, Invalid, NotFound
from footprint.operations.cases import CaseFilter, advance_case, get_case, list_cases
from footprint.operations.officers import assign_officer, people_of_force
from footprint.operations.tasks import add_task, complete_task, list_tasks
from footprint.security.actor import AccessDenied, Actor
from footprint.security.roles import Role
from footprint.security.users import add_user
from footprint.store import Database
from footprint.store.models import AuditEntry, CaseTask, User
from tests.operations.cases_setup import GMP, KENT, MET, investigator, open_cases, supervisor

EXAMINER = Actor(f"exam-{MET}", MET, frozenset({Role.FORENSIC_EXAMINER}))


@pytest.fixture
def people(database: Database) -> None:
    """The force's people as users, so that an officer or owner can be checked against them."""
    with database.unit_of_work() as session:
        for actor in (supervisor(MET), investigator(MET), EXAMINER, investigator(GMP)):
            add_user(session, Actor.system(), actor.username, actor.organisation, [*actor.roles])
        add_user(session, Actor.system(), "left-met", MET, [Role.INVESTIGATOR])
        session.execute(update(User).where(User.username == "left-met").values(active=False))


@pytest.fixture
def case_id(database: Database, tmp_path: Path, people: None) -> int:
    return open_cases(database, tmp_path, [MET])[0]


def _audited(database: Database, action: str) -> list[dict[str, object]]:
    with database.unit_of_work() as session:
        return [
            e.detail for e in session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        ]


def test_the_officer_who_acknowledges_takes_the_case(database: Database, case_id: int) -> None:
    case = get_case(database, investigator(MET), case_id)
    assert case.officer == supervisor(MET).username  # cases_setup acknowledges as the supervisor
    assert [(o["officer"], o["reason"]) for o in case.officers] == [
        (supervisor(MET).username, "acknowledged the package")
    ]


def test_a_supervisor_hands_a_case_on_with_a_reason_and_the_history_stays(
    database: Database, case_id: int
) -> None:
    view = assign_officer(database, supervisor(MET), case_id, f"inv-{MET}", "workload")
    assert view.officer == f"inv-{MET}"
    assert [o["officer"] for o in view.officers] == [f"sup-{MET}", f"inv-{MET}"]
    assert view.officers[-1]["assigned_by"] == f"sup-{MET}"
    (entry,) = _audited(database, "case.assign")
    assert entry == {"officer": f"inv-{MET}", "was": f"sup-{MET}", "reason": "workload"}


@pytest.mark.parametrize(
    ("officer", "reason", "refusal", "message"),
    [
        (f"inv-{MET}", "  ", Invalid, "reason: say why"),
        (f"inv-{GMP}", "move", Invalid, "officer: 'inv-E23000005' is not an active user"),
        ("left-met", "move", Invalid, "officer: 'left-met' is not an active user"),
        ("nobody", "move", Invalid, "not an active user"),
        (f"exam-{MET}", "move", Invalid, "is not an investigator or force-supervisor"),
        (f"sup-{MET}", "move", Conflict, "already in charge"),
    ],
)
def test_a_handover_to_the_wrong_person_is_refused(
    database: Database,
    case_id: int,
    officer: str,
    reason: str,
    refusal: type[Exception],
    message: str,
) -> None:
    with pytest.raises(refusal, match=message):
        assign_officer(database, supervisor(MET), case_id, officer, reason)
    assert get_case(database, supervisor(MET), case_id).officer == f"sup-{MET}"


def test_only_the_forces_supervisor_hands_a_case_on(database: Database, case_id: int) -> None:
    with pytest.raises(AccessDenied, match="force-supervisor"):
        assign_officer(database, investigator(MET), case_id, f"inv-{MET}", "mine now")
    with pytest.raises(NotFound):
        assign_officer(database, supervisor(KENT), case_id, f"inv-{MET}", "ours now")


def test_people_of_a_force_say_who_may_lead(database: Database, people: None) -> None:
    found = {p.username: p.may_lead for p in people_of_force(database, supervisor(MET), MET)}
    assert found == {f"sup-{MET}": True, f"inv-{MET}": True, f"exam-{MET}": False}
    with pytest.raises(NotFound):
        people_of_force(database, supervisor(GMP), MET)


def test_a_task_goes_to_someone_in_the_force_and_is_done_once(
    database: Database, case_id: int
) -> None:
    due = service_day() + timedelta(days=3)
    view = add_task(
        database, investigator(MET), case_id, "  Examine   the laptop ", f"exam-{MET}", due
    )
    (task,) = view.tasks
    assert (task["title"], task["owner"], task["due_on"], task["done_at"]) == (
        "Examine the laptop",
        f"exam-{MET}",
        due,
        None,
    )
    mine = list_tasks(database, EXAMINER, EXAMINER.username)
    assert [(t.id, t.case_id, t.overdue) for t in mine] == [(task["id"], case_id, False)]
    done = complete_task(database, EXAMINER, task["id"], "imaged and triaged")
    assert (done.done_by, done.done_note) == (f"exam-{MET}", "imaged and triaged")
    assert list_tasks(database, EXAMINER, EXAMINER.username) == []
    assert [t.id for t in list_tasks(database, EXAMINER, EXAMINER.username, done=True)] == [
        task["id"]
    ]
    with pytest.raises(Conflict, match="already done"):
        complete_task(database, investigator(MET), task["id"])
    assert [e["task"] for e in _audited(database, "case.task-done")] == [task["id"]]


@pytest.mark.parametrize(
    ("title", "owner", "days", "message"),
    [
        ("", f"inv-{MET}", 1, "title: say what"),
        ("x" * 201, f"inv-{MET}", 1, "title: at most 200"),
        ("Visit", f"inv-{GMP}", 1, "owner: 'inv-E23000005' is not an active user"),
        ("Visit", "left-met", 1, "owner: 'left-met'"),
        ("Visit", f"inv-{MET}", -1, "due_on: .* has passed"),
        ("Visit", f"inv-{MET}", 800, "due_on: .* more than two years ahead"),
    ],
)
def test_a_task_that_cannot_be_done_as_given_is_refused(
    database: Database, case_id: int, title: str, owner: str, days: int, message: str
) -> None:
    due = service_day() + timedelta(days=days)
    with pytest.raises(Invalid, match=message):
        add_task(database, investigator(MET), case_id, title, owner, due)
    assert get_case(database, investigator(MET), case_id).tasks == []


def test_who_may_mark_a_task_done(database: Database, case_id: int) -> None:
    due = service_day() + timedelta(days=1)
    view = add_task(database, supervisor(MET), case_id, "Chase the warrant", f"inv-{MET}", due)
    task_id = view.tasks[0]["id"]
    with pytest.raises(AccessDenied, match="only its owner"):
        complete_task(database, EXAMINER, task_id)  # neither the owner nor a caseworker
    with pytest.raises(NotFound):
        complete_task(database, investigator(GMP), task_id)
    with pytest.raises(AccessDenied):
        add_task(database, EXAMINER, case_id, "Mine", f"exam-{MET}", due)
    assert complete_task(database, supervisor(MET), task_id).done_by == f"sup-{MET}"


def test_my_tasks_come_soonest_due_first_with_the_overdue_marked(
    database: Database, tmp_path: Path, case_id: int
) -> None:
    other = open_cases(database, tmp_path, [MET])[0]
    today = service_day()
    me = investigator(MET)
    add_task(database, me, case_id, "Later", me.username, today + timedelta(days=9))
    add_task(database, me, other, "Sooner", me.username, today + timedelta(days=2))
    add_task(database, me, other, "Not mine", f"sup-{MET}", today + timedelta(days=1))
    late = add_task(database, me, case_id, "Late", me.username, today).tasks
    with database.unit_of_work() as session:  # a task set yesterday for yesterday, now late
        late_id = next(t["id"] for t in late if t["title"] == "Late")
        session.execute(
            update(CaseTask).where(CaseTask.id == late_id).values(due_on=today - timedelta(days=1))
        )
    mine = list_tasks(database, me, me.username)
    assert [(t.title, t.overdue) for t in mine] == [
        ("Late", True),
        ("Sooner", False),
        ("Later", False),
    ]
    assert len(list_tasks(database, supervisor(MET))) == 4  # the whole force's
    assert list_tasks(database, investigator(GMP)) == []
    assert [t.title for t in list_tasks(database, me, me.username, offset=1, limit=1)] == ["Sooner"]


def test_the_case_list_filters_and_sorts_by_what_people_triage_by(
    database: Database, tmp_path: Path, people: None
) -> None:
    low, high, medium = (
        open_cases(database, tmp_path, [MET], factors=frozenset(factors))[0]
        for factors in (
            {"other_convictions"},
            {"lives_with_children", "grooming"},
            {"lives_with_children"},
        )
    )
    gmp_case = open_cases(database, tmp_path, [GMP])[0]
    sup = supervisor(MET)
    assign_officer(database, sup, medium, f"inv-{MET}", "workload")
    advance_case(database, investigator(MET), high, "researching")

    def ids(wanted: CaseFilter | None = None, sort: str | None = None) -> list[int]:
        return [c.id for c in list_cases(database, sup, wanted, sort=sort)]

    assert ids() == [low, high, medium]
    assert ids(sort="-risk") == [high, medium, low]
    assert ids(sort="risk") == [low, medium, high]
    assert ids(sort="-case") == [medium, high, low]
    assert ids(sort="officer") == [medium, low, high]  # inv- before sup-, then by case
    assert ids(CaseFilter.checked(band="HIGH")) == [high]
    assert ids(CaseFilter.checked(state="researching")) == [high]
    assert ids(CaseFilter.checked(officer=f"inv-{MET}", open=True)) == [medium]
    coordinator = Actor("coord", "NCA", frozenset({Role.COORDINATOR}))
    national = [c.id for c in list_cases(database, coordinator, CaseFilter.checked(force=GMP))]
    assert national == [gmp_case]
    listed = list_cases(database, sup, sort="-risk")
    assert [(c.risk_band, c.officer) for c in listed][:1] == [("high", f"sup-{MET}")]
    assert all(c.opened_at is not None for c in listed)


def test_a_filter_outside_its_choices_is_refused() -> None:
    with pytest.raises(Invalid, match="state: 'asleep' is not one of received"):
        CaseFilter.checked(state="asleep")
    with pytest.raises(Invalid, match="band: 'extreme' is not one of low, medium, high, very-high"):
        CaseFilter.checked(band="extreme")


def test_an_unknown_order_is_refused(database: Database) -> None:
    with pytest.raises(Invalid, match="sort: 'colour' is not one of case, opened, risk"):
        list_cases(database, supervisor(MET), sort="colour")

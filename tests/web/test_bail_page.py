"""The dashboard shows the soonest bail to review and links to all of it; the bail page lists
every active bail ending within a chosen window, a page at a time, each force only its own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from footprint.clock import service_day
from footprint.geo.forces import COORDINATOR_CODE
from footprint.operations.bail import bail_expiring, count_bail_due
from footprint.operations.outcomes import BAIL_REVIEW_DAYS
from footprint.security.actor import Actor
from footprint.security.credentials import issue_token
from footprint.security.reference_data import prepare_database
from footprint.security.roles import Role
from footprint.security.users import add_user
from footprint.store import Database
from footprint.synthetic.case_load import fill_cases
from footprint.web import create_app

MET = "E23000001"
CASE_LINK = re.compile(r'<td><a href="/cases/(\d+)">')


@dataclass(frozen=True)
class Store:
    db: Database
    clients: dict[str, TestClient]  # by "coordinator" and "met" (a force supervisor)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('bail')}/footprint.db")
    prepare_database(db)
    fill_cases(db, "Op Bail", 3000, service_day())  # about 60 on bail ending within 14 days
    tokens = {}
    with db.unit_of_work() as session:
        for name, org, role in (
            ("coordinator", COORDINATOR_CODE, Role.COORDINATOR),
            ("met", MET, Role.FORCE_SUPERVISOR),
        ):
            add_user(session, Actor.system(), name, org, [role])
            tokens[name] = issue_token(session, Actor.system(), name, "bail page test")[1]
    app = create_app(db)
    yield Store(
        db,
        {
            who: TestClient(app, headers={"Authorization": f"Bearer {token}"})
            for who, token in tokens.items()
        },
    )
    db.dispose()


def _actor(who: str) -> Actor:
    if who == "coordinator":
        return Actor(who, COORDINATOR_CODE, frozenset({Role.COORDINATOR}))
    return Actor(who, MET, frozenset({Role.FORCE_SUPERVISOR}))


def test_the_count_is_the_length_of_the_list(store: Store) -> None:
    db, day = store.db, service_day()
    for who in ("coordinator", "met"):
        for within in (0, 7, 30, 100):
            due = bail_expiring(db, _actor(who), day, within)
            assert count_bail_due(db, _actor(who), day, within) == len(due)
    assert count_bail_due(db, _actor("met"), day, 100) < count_bail_due(
        db, _actor("coordinator"), day, 100
    )


def test_the_dashboard_shows_the_ten_soonest_and_links_to_all(
    store: Store,
) -> None:
    db, day, clients = store.db, service_day(), store.clients
    every = bail_expiring(db, _actor("coordinator"), day)
    assert len(every) > 10  # the fill's size is chosen for this
    page = clients["coordinator"].get("/").text
    bail_table = page.split("Bail expiring in the next")[1].split("</table>")[0]
    assert [int(n) for n in CASE_LINK.findall(bail_table)] == [b.case_id for b in every[:10]]
    assert f'<a href="/bail">all {len(every)}</a>' in bail_table
    assert f'<span class="figure">{len(every)}</span> <a href="/bail">' in page


def test_the_bail_page_lists_every_one_in_the_window_a_page_at_a_time(
    store: Store,
) -> None:
    db, day, clients = store.db, service_day(), store.clients
    week = clients["coordinator"].get("/bail")
    assert week.status_code == 200
    soonest = [b.case_id for b in bail_expiring(db, _actor("coordinator"), day)]
    assert [int(n) for n in CASE_LINK.findall(week.text)] == soonest
    assert f"{len(soonest)} active bail end within {BAIL_REVIEW_DAYS} days" in week.text
    quarter = bail_expiring(db, _actor("coordinator"), day, 100)
    assert len(quarter) > 100  # so that it takes two pages
    first = clients["coordinator"].get("/bail", params={"within": 100}).text
    second = clients["coordinator"].get("/bail", params={"within": 100, "offset": 100}).text
    assert 'href="/bail?within=100&amp;offset=100">Next 100</a>' in first
    shown = CASE_LINK.findall(first) + CASE_LINK.findall(second)
    assert [int(n) for n in shown] == [b.case_id for b in quarter[:200]]
    assert '<option value="100" selected>100 days</option>' in first


def test_a_force_sees_only_its_own_bail(store: Store) -> None:
    db, day, clients = store.db, service_day(), store.clients
    own = {b.case_id for b in bail_expiring(db, _actor("met"), day, 100)}
    shown = {int(n) for n in CASE_LINK.findall(clients["met"].get("/bail?within=100").text)}
    assert shown == own and own
    every = {b.case_id for b in bail_expiring(db, _actor("coordinator"), day, 100)}
    assert own < every


@pytest.mark.parametrize("within", ["-1", "367", "a week", "1e3"])
def test_a_window_out_of_range_is_refused_by_name(store: Store, within: str) -> None:
    answer = store.clients["met"].get("/bail", params={"within": within})
    assert answer.status_code == 422 and "within" in answer.text

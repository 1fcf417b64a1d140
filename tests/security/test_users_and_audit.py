"""Users, organisation scoping and the audit log, on the real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from footprint.security import audit
from footprint.security.actor import AccessDenied, Actor
from footprint.security.reference_data import prepare_database
from footprint.security.roles import Role, parse_roles
from footprint.security.users import UserError, add_user, list_users
from footprint.store import Database
from footprint.store.models import AuditEntry, Organisation, User

MET, CUMBRIA = "E23000001", "E23000002"


def force_actor(org: str) -> Actor:
    return Actor("sup", org, frozenset({Role.FORCE_SUPERVISOR}))


def test_reference_data_is_loaded_once(database: Database) -> None:
    prepare_database(database)  # a second upgrade changes nothing
    with database.unit_of_work() as session:
        orgs = session.scalars(select(Organisation)).all()
    assert len(orgs) == 46
    countries = sorted(o.country or "" for o in orgs if o.kind == "force")
    assert countries.count("England") == 39 and countries.count("Wales") == 4
    assert {o.code for o in orgs if o.kind == "coordinator"} == {"NCA"}
    assert "N99999999" in {o.code for o in orgs}  # PSNI's ONS placeholder


def test_add_user_is_audited(database: Database) -> None:
    with database.unit_of_work() as session:
        view = add_user(session, Actor.system(), "alice", MET, [Role.INVESTIGATOR, Role.ANALYST])
    assert view.roles == (Role.ANALYST, Role.INVESTIGATOR)
    with database.unit_of_work() as session:
        entry = session.scalars(select(AuditEntry)).one()
        checked, problems = audit.verify(session)
    assert (entry.action, entry.record_id, entry.actor) == ("user.add", "alice", "system")
    assert entry.detail == {"organisation": MET, "roles": ["investigator", "analyst"]}
    assert (checked, problems) == (1, [])


@pytest.mark.parametrize(
    ("username", "org", "roles", "message"),
    [
        ("bob smith", MET, [Role.ANALYST], "username 'bob smith'"),
        ("bob", "X99", [Role.ANALYST], "organisation 'X99'"),
        ("bob", MET, [Role.COORDINATOR], "role coordinator"),
    ],
)
def test_bad_users_are_refused_with_the_field_named(
    database: Database, username: str, org: str, roles: list[Role], message: str
) -> None:
    with pytest.raises(UserError, match=message), database.unit_of_work() as session:
        add_user(session, Actor.system(), username, org, roles)
    with database.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_duplicate_username(database: Database) -> None:
    with database.unit_of_work() as session:
        add_user(session, Actor.system(), "alice", MET, [Role.ANALYST])
    with pytest.raises(UserError, match="already exists"), database.unit_of_work() as session:
        add_user(session, Actor.system(), "alice", CUMBRIA, [Role.ANALYST])


def test_forces_see_and_manage_only_their_own_people(database: Database) -> None:
    with database.unit_of_work() as session:
        add_user(session, Actor.system(), "met1", MET, [Role.INVESTIGATOR])
        add_user(session, force_actor(CUMBRIA), "cumbria1", CUMBRIA, [Role.ANALYST])
    with pytest.raises(AccessDenied), database.unit_of_work() as session:
        add_user(session, force_actor(CUMBRIA), "intruder", MET, [Role.ANALYST])
    with database.unit_of_work() as session:
        assert [u.username for u in list_users(session, force_actor(MET))] == ["met1"]
        assert [u.username for u in list_users(session, Actor.system())] == ["cumbria1", "met1"]
        reads = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.list")).all()
    assert [(r.organisation, r.detail["count"]) for r in reads] == [(MET, 1), ("NCA", 2)]


def test_tampering_in_the_database_is_found(database: Database) -> None:
    with database.unit_of_work() as session:
        for n in range(6):
            add_user(session, Actor.system(), f"user{n}", MET, [Role.ANALYST])
    with database.unit_of_work() as session:
        session.execute(text("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 2"))
        session.execute(text("DELETE FROM audit_entries WHERE seq = 4"))
    with database.unit_of_work() as session:
        _checked, problems = audit.verify(session)
    assert [(p.seq, p.kind) for p in problems] == [(2, "edited"), (4, "deleted")]


def test_roles_are_validated() -> None:
    assert parse_roles(["Analyst", "force-supervisor"]) == [Role.ANALYST, Role.FORCE_SUPERVISOR]
    with pytest.raises(ValueError, match="not one of"):
        parse_roles(["superuser"])
    with pytest.raises(ValueError, match="at least one role"):
        parse_roles([])

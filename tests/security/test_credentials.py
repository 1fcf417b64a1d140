"""Passwords (argon2id), sign-in with lock-out, API tokens: SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from footprint.security import credentials
from footprint.security.actor import AccessDenied, Actor
from footprint.security.credentials import (
    LOCK_MINUTES,
    MAX_FAILURES,
    MAX_LOCK,
    SignInRefused,
    actor_for_token,
    issue_token,
    lock_period,
    revoke_token,
    set_password,
    sign_in,
    unlock,
)
from footprint.security.roles import Role
from footprint.security.users import UserError, actor_for, add_user
from footprint.store import Database
from footprint.store.models import ApiToken, AuditEntry, User, UserRole

MET = "E23000001"
PASSWORD = "correct horse battery"


@pytest.fixture
def alice(database: Database) -> str:
    with database.unit_of_work() as session:
        add_user(session, Actor.system(), "alice", MET, [Role.INVESTIGATOR])
        set_password(session, Actor.system(), "alice", PASSWORD)
    return "alice"


ATTACKER, OFFICE = "198.51.100.66", "192.0.2.10"  # documentation addresses


def attempt(
    database: Database, password: str, now: datetime, source: str = ATTACKER, user: str = "alice"
) -> Actor | None:
    """One sign-in in its own transaction, kept even when refused (as the web app does)."""
    with database.unit_of_work() as session:
        try:
            return sign_in(session, user, password, source, now)
        except SignInRefused as refused:
            assert str(refused) == "username or password not recognised"
            return None


def test_password_is_stored_as_argon2id_and_signs_in(database: Database, alice: str) -> None:
    with database.unit_of_work() as session:
        stored = session.scalars(select(User.password_hash).where(User.username == alice)).one()
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored
    actor = attempt(database, PASSWORD, datetime.now(UTC))
    assert actor == Actor("alice", MET, frozenset({Role.INVESTIGATOR}))
    with database.unit_of_work() as session, pytest.raises(UserError, match="at least 12"):
        set_password(session, Actor.system(), alice, "short")
    other = Actor("bob", MET, frozenset({Role.FORCE_SUPERVISOR}))
    with database.unit_of_work() as session, pytest.raises(AccessDenied):
        set_password(session, other, alice, "another long password")


def test_repeated_failures_lock_that_source_out_and_are_audited(
    database: Database, alice: str
) -> None:
    now = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    for _ in range(MAX_FAILURES):
        assert attempt(database, "wrong password!!", now) is None
    assert attempt(database, PASSWORD, now) is None  # locked: even the right password
    assert attempt(database, PASSWORD, now, OFFICE) is not None  # not for anyone else
    later = now + timedelta(minutes=LOCK_MINUTES, seconds=1)
    assert attempt(database, PASSWORD, later) is not None
    with database.unit_of_work() as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    actions = [e.action for e in entries]
    assert actions.count("user.sign-in-refused") == MAX_FAILURES + 1
    assert actions.count("user.locked") == 1 and actions[-1] == "user.sign-in"
    reasons = [e.detail.get("why") for e in entries if e.action == "user.sign-in-refused"]
    assert reasons == ["password"] * MAX_FAILURES + ["locked"]
    locked = next(e for e in entries if e.action == "user.locked")
    assert locked.detail["source"] == ATTACKER


def test_nobody_can_lock_the_coordinator_out(database: Database) -> None:
    """Five requests used to lock any account for everyone; now they lock their source out."""
    with database.unit_of_work() as session:
        add_user(session, Actor.system(), "chief", "NCA", [Role.COORDINATOR])
        set_password(session, Actor.system(), "chief", PASSWORD)
    now = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    for _ in range(MAX_FAILURES * 4):
        assert attempt(database, "guessing guessing", now, ATTACKER, "chief") is None
    assert attempt(database, PASSWORD, now, OFFICE, "chief") is not None


def test_locks_in_a_row_back_off_and_an_administrator_lifts_them(
    database: Database, alice: str
) -> None:
    now = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    for lock in (1, 2, 3):
        for _ in range(MAX_FAILURES):
            assert attempt(database, "wrong password!!", now) is None
        period = lock_period(lock)
        assert period == timedelta(minutes=LOCK_MINUTES * 2 ** (lock - 1))
        assert attempt(database, PASSWORD, now + period - timedelta(seconds=1)) is None
        now += period + timedelta(seconds=1)
    assert lock_period(40) == MAX_LOCK  # doubling stops at a day
    for _ in range(MAX_FAILURES):
        attempt(database, "wrong password!!", now)
    assert attempt(database, PASSWORD, now) is None
    with database.unit_of_work() as session, pytest.raises(AccessDenied):
        unlock(session, Actor("bob", MET, frozenset({Role.FORCE_SUPERVISOR})), alice)
    with database.unit_of_work() as session:
        assert unlock(session, Actor.system(), alice) == 1
    assert attempt(database, PASSWORD, now) is not None
    with database.unit_of_work() as session:
        unlocked = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.unlock"))
        assert [e.actor for e in unlocked] == ["system"]


def test_every_sign_in_costs_one_password_verification(
    database: Database, alice: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same work, so the same time, for a known, an unknown and a locked user name (the
    mechanism is tested, not a stopwatch: no test here depends on timing)."""
    verified: list[str] = []
    real = credentials._verified

    def counted(password_hash: str, password: str) -> bool:
        verified.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(credentials, "_verified", counted)
    now = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    assert attempt(database, PASSWORD, now, user="nobody-at-all") is None
    assert attempt(database, "wrong password!!", now) is None
    for _ in range(MAX_FAILURES):
        attempt(database, "wrong password!!", now)
    assert attempt(database, PASSWORD, now) is None  # locked
    assert len(verified) == 2 + MAX_FAILURES + 1
    assert all(h.startswith("$argon2id$") for h in verified)


def test_unknown_users_get_the_same_refusal(database: Database) -> None:
    with database.unit_of_work() as session, pytest.raises(SignInRefused):
        sign_in(session, "nobody", PASSWORD)


def test_api_tokens_act_as_their_user_until_revoked(database: Database, alice: str) -> None:
    with database.unit_of_work() as session:
        token_id, token = issue_token(session, Actor.system(), alice, "nightly export")
    assert token.startswith("fp_") and len(token) > 40
    with database.unit_of_work() as session:
        assert actor_for_token(session, token) == actor_for(session, "alice")  # force, roles
        stored = session.get_one(ApiToken, token_id)
        assert stored.token_sha256 != token and stored.last_used_at is not None
    with database.unit_of_work() as session, pytest.raises(SignInRefused):
        actor_for_token(session, token + "x")
    with database.unit_of_work() as session, pytest.raises(AccessDenied):
        revoke_token(session, Actor("mallory", MET, frozenset({Role.ANALYST})), token_id)
    with database.unit_of_work() as session:
        revoke_token(session, Actor("alice", MET, frozenset({Role.INVESTIGATOR})), token_id)
    with database.unit_of_work() as session, pytest.raises(SignInRefused):
        actor_for_token(session, token)
    with database.unit_of_work() as session, pytest.raises(UserError, match="already revoked"):
        revoke_token(session, Actor.system(), token_id)


def test_a_token_acts_with_every_role_and_not_for_an_inactive_user(
    database: Database, alice: str
) -> None:
    with database.unit_of_work() as session:
        user = session.scalars(select(User).where(User.username == alice)).one()
        session.add(UserRole(user_id=user.id, role=Role.FORENSIC_EXAMINER.value))
        _token_id, token = issue_token(session, Actor.system(), alice, "examiner's client")
    with database.unit_of_work() as session:
        actor = actor_for_token(session, token)
    assert actor.organisation == MET
    assert actor.roles == {Role.INVESTIGATOR, Role.FORENSIC_EXAMINER}
    with database.unit_of_work() as session:
        session.scalars(select(User).where(User.username == alice)).one().active = False
    with database.unit_of_work() as session, pytest.raises(SignInRefused):
        actor_for_token(session, token)

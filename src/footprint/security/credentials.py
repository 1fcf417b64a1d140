"""Credentials: passwords (argon2id hashes), sign-in with lock-out, and API tokens.

A refused sign-in always reads the same ("username or password not recognised"), whether the
user is unknown, the password wrong or the account locked, so that nobody learns which accounts
exist; the audit log records the real reason, and every attempt takes one argon2 verification.
After MAX_FAILURES wrong passwords in a row from one source (the client's address) that source
is locked out of the account, for LOCK_MINUTES at first and twice as long for each lock in a row;
other sources can still sign in, so nobody can lock an account out for everyone. Locks are
audited, and a credentials administrator can lift them. API tokens are random and long, so
only their SHA-256 is kept; the token itself is shown once, when it is issued.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from footprint.errors import Forbidden
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.permissions import Action, require
from footprint.security.users import UserError, acting_as, actor_for, actor_of
from footprint.store.database import aware_utc
from footprint.store.models import ApiToken, SignInLock, User

MIN_PASSWORD_LENGTH = 12
MAX_FAILURES = 5  # wrong passwords in a row from one source before it is locked out
LOCK_MINUTES = 15  # the first lock; each lock in a row doubles the next
MAX_LOCK = timedelta(hours=24)
TOKEN_PREFIX = "fp_"
USE_GRANULARITY = timedelta(minutes=1)  # how precisely a token's last use is kept
_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters


class SignInRefused(Forbidden):
    """The one message every refused sign-in gets."""

    def __init__(self) -> None:
        super().__init__("username or password not recognised")


def set_password(session: Session, actor: Actor, username: str, password: str) -> None:
    """A credentials administrator (the coordinator's) sets anyone's password; a user may set
    their own. Setting it lifts every sign-in lock on the account."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    user = _administered(session, actor, username, "setting a password")
    user.password_hash = _HASHER.hash(password)
    _clear_locks(session, user.id)
    audit.record(session, actor, "user.password", "user", username)


def sign_in(
    session: Session,
    username: str,
    password: str,
    source: str = "local",
    now: datetime | None = None,
) -> Actor:
    """The Actor for a right password of an active user whose `source` (the client's address)
    is not locked out of the account; else SignInRefused. The caller commits the session even
    when this raises, so that failures and locks are kept. Every call verifies one argon2 hash,
    a stand-in's for an unknown or locked account, so the time taken says nothing about it."""
    now = now or datetime.now(UTC)
    source = source.strip()[:64] or "unknown"
    user = _user(session, username)
    who = Actor(username, "-", frozenset())
    usable = user is not None and user.active and user.password_hash is not None
    lock = _lock_of(session, user.id, source) if user is not None and usable else None
    locked = (
        lock is not None and lock.locked_until is not None and aware_utc(lock.locked_until) > now
    )
    checked_hash = user.password_hash if user is not None and usable and not locked else None
    right = _verified(checked_hash or _stand_in_hash(), password)
    if user is None or not usable:
        audit.record(session, who, "user.sign-in-refused", "user", username, why="unknown")
        raise SignInRefused()
    if locked:
        audit.record(
            session, who, "user.sign-in-refused", "user", username, why="locked", source=source
        )
        raise SignInRefused()
    if not right:
        _failed(session, who, user, lock or _new_lock(session, user.id, source), now)
        raise SignInRefused()
    assert user.password_hash is not None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    if lock is not None:
        session.delete(lock)  # a right password from this source starts its count again
    actor = actor_for(session, username)
    audit.record(session, actor, "user.sign-in", "user", username, source=source)
    return actor


@cache
def _stand_in_hash() -> str:
    return _HASHER.hash(secrets.token_urlsafe(24))


def _verified(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _lock_of(session: Session, user_id: int, source: str) -> SignInLock | None:
    return session.scalar(
        select(SignInLock).where(SignInLock.user_id == user_id, SignInLock.source == source)
    )


def _new_lock(session: Session, user_id: int, source: str) -> SignInLock:
    lock = SignInLock(user_id=user_id, source=source, failures=0, locks=0, locked_until=None)
    session.add(lock)
    return lock


def lock_period(locks: int) -> timedelta:
    """How long the `locks`-th lock in a row holds a source back: doubling, up to a day."""
    period: timedelta = timedelta(minutes=LOCK_MINUTES) * 2 ** min(locks - 1, 16)
    return min(period, MAX_LOCK)


def _failed(session: Session, who: Actor, user: User, lock: SignInLock, now: datetime) -> None:
    lock.failures += 1
    audit.record(
        session,
        who,
        "user.sign-in-refused",
        "user",
        user.username,
        why="password",
        source=lock.source,
        failures=lock.failures,
    )
    if lock.failures >= MAX_FAILURES:
        lock.locks += 1
        lock.locked_until = now + lock_period(lock.locks)
        lock.failures = 0
        audit.record(
            session,
            who,
            "user.locked",
            "user",
            user.username,
            source=lock.source,
            until=lock.locked_until.isoformat(),
        )


def unlock(session: Session, actor: Actor, username: str) -> int:
    """Lift every lock on an account (a credentials administrator; audited): how many."""
    require(actor, Action.CREDENTIALS_ADMIN, f"user {username}")
    user = _user(session, username)
    if user is None:
        raise UserError(f"user {username!r}: unknown")
    lifted = _clear_locks(session, user.id)
    audit.record(session, actor, "user.unlock", "user", username, sources=lifted)
    return lifted


def _clear_locks(session: Session, user_id: int) -> int:
    locks = list(session.scalars(select(SignInLock).where(SignInLock.user_id == user_id)))
    for lock in locks:
        session.delete(lock)
    return len(locks)


def _user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip()))


def _administered(session: Session, actor: Actor, username: str, what: str) -> User:
    """The user, if the actor may manage their credentials: themself, or a credentials
    administrator (the coordinator's)."""
    user = _user(session, username)
    if user is None:
        raise UserError(f"user {username!r}: unknown")
    if actor.username != user.username:
        require(actor, Action.CREDENTIALS_ADMIN, f"user {username}: {what}")
    return user


def issue_token(session: Session, actor: Actor, username: str, label: str) -> tuple[int, str]:
    """A new API token for a user (coordinator, or the user themself): (id, the token). The
    token is not stored and cannot be shown again."""
    if not label.strip():
        raise UserError("label: say what the token is for")
    user = _administered(session, actor, username, "issuing a token")
    if not user.active:
        raise UserError(f"user {username!r}: unknown or inactive")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        label=label.strip(),
        token_sha256=secret_digest(token),
        created_at=datetime.now(UTC),
        created_by=actor.username,
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "token.issue", "token", row.id, user=username)
    return row.id, token


def revoke_token(session: Session, actor: Actor, token_id: int) -> None:
    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        raise UserError(f"token {token_id}: not found, or already revoked")
    _administered(session, actor, row.user.username, f"revoking token {token_id}")
    row.revoked_at, row.revoked_by = datetime.now(UTC), actor.username
    audit.record(session, actor, "token.revoke", "token", token_id)


# Built once (asked on every API request): the token comes in the same one query as its user
_TOKEN_CALLER = (
    acting_as()
    .add_columns(ApiToken.id, ApiToken.revoked_at, ApiToken.last_used_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_sha256 == bindparam("digest"))
)


@dataclass(frozen=True, slots=True)
class TokenCaller:
    actor: Actor
    token_id: int
    use_due: bool  # the token's last use is due to be written (record_token_use)


def token_caller(session: Session, token: str, now: datetime) -> TokenCaller:
    """Who a live token acts as, read without writing; an unknown or revoked token is refused."""
    rows = session.execute(_TOKEN_CALLER, {"digest": secret_digest(token)}).all()
    actor = actor_of(rows)
    if actor is None or rows[0].revoked_at is not None:
        raise SignInRefused()
    last_used = rows[0].last_used_at
    # written at most once a minute: a busy client would otherwise make every request a write
    due = last_used is None or now - aware_utc(last_used) >= USE_GRANULARITY
    return TokenCaller(actor, rows[0].id, due)


def record_token_use(session: Session, caller: TokenCaller, now: datetime) -> None:
    if caller.use_due:
        session.execute(
            update(ApiToken).where(ApiToken.id == caller.token_id).values(last_used_at=now)
        )


def actor_for_token(session: Session, token: str) -> Actor:
    """The Actor a live token acts as, its use noted; an unknown or revoked token is refused."""
    now = datetime.now(UTC)
    caller = token_caller(session, token, now)
    record_token_use(session, caller, now)
    return caller.actor


def secret_digest(token: str) -> str:
    """What is kept of a random secret (an API token, a session cookie): its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()

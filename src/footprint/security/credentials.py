"""Credentials: passwords (argon2id hashes), sign-in with lock-out, and API tokens.

A refused sign-in always reads the same ("username or password not recognised"), whether the
user is unknown, the password wrong or the account locked, so that nobody learns which accounts
exist; the audit log records the real reason. After MAX_FAILURES wrong passwords in a row the
account is locked for LOCK_MINUTES, and the lock is audited. API tokens are random and long, so
only their SHA-256 is kept; the token itself is shown once, when it is issued.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.permissions import Action, require
from footprint.security.users import UserError, acting_as, actor_for, actor_of
from footprint.store.database import aware_utc
from footprint.store.models import ApiToken, User

MIN_PASSWORD_LENGTH = 12
MAX_FAILURES = 5
LOCK_MINUTES = 15
TOKEN_PREFIX = "fp_"
USE_GRANULARITY = timedelta(minutes=1)  # how precisely a token's last use is kept
_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters


class SignInRefused(PermissionError):
    """The one message every refused sign-in gets."""

    def __init__(self) -> None:
        super().__init__("username or password not recognised")


def set_password(session: Session, actor: Actor, username: str, password: str) -> None:
    """The local administrator (coordinator) sets anyone's password; a user may set their own.
    Setting it clears failures and any lock."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    user = _administered(session, actor, username, "setting a password")
    user.password_hash = _HASHER.hash(password)
    user.failed_sign_ins, user.locked_until = 0, None
    audit.record(session, actor, "user.password", "user", username)


def sign_in(session: Session, username: str, password: str, now: datetime | None = None) -> Actor:
    """The Actor for a right password of an active, unlocked user; else SignInRefused. The
    caller commits the session even when this raises, so that failures and locks are kept."""
    now = now or datetime.now(UTC)
    user = _user(session, username)
    who = Actor(username, "-", frozenset())
    if user is None or not user.active or user.password_hash is None:
        audit.record(session, who, "user.sign-in-refused", "user", username, why="unknown")
        raise SignInRefused()
    if user.locked_until is not None and aware_utc(user.locked_until) > now:
        audit.record(session, who, "user.sign-in-refused", "user", username, why="locked")
        raise SignInRefused()
    if not _verified(user.password_hash, password):
        _failed(session, who, user, now)
        raise SignInRefused()
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    user.failed_sign_ins, user.locked_until = 0, None
    actor = actor_for(session, username)
    audit.record(session, actor, "user.sign-in", "user", username)
    return actor


def _verified(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _failed(session: Session, who: Actor, user: User, now: datetime) -> None:
    user.failed_sign_ins += 1
    audit.record(
        session,
        who,
        "user.sign-in-refused",
        "user",
        user.username,
        why="password",
        failures=user.failed_sign_ins,
    )
    if user.failed_sign_ins >= MAX_FAILURES:
        user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
        user.failed_sign_ins = 0
        audit.record(
            session, who, "user.locked", "user", user.username, until=user.locked_until.isoformat()
        )


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

"""Web sessions: a random cookie per signed-in browser, kept server-side as its SHA-256, so that
signing out, an idle spell or the session's age ends it for good.

The CSRF token of a session is derived from its cookie (a SHA-256 under a label of its own): a
page from this site can carry it in every form, another site cannot know it, and nothing more
needs storing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.credentials import SignInRefused, secret_digest
from footprint.security.users import actor_for
from footprint.store.database import aware_utc
from footprint.store.models import User, WebSession

IDLE_LIMIT = timedelta(minutes=30)
AGE_LIMIT = timedelta(hours=12)  # a shift
SEEN_GRANULARITY = timedelta(minutes=1)  # last_seen is written at most this often


@dataclass(frozen=True, slots=True)
class SignedIn:
    actor: Actor
    session_id: int
    csrf_token: str


def csrf_token_for(cookie: str) -> str:
    return hashlib.sha256(f"footprint-csrf:{cookie}".encode()).hexdigest()


def csrf_matches(cookie: str, submitted: str | None) -> bool:
    return submitted is not None and hmac.compare_digest(csrf_token_for(cookie), submitted)


def _session_row(session: Session, cookie: str) -> WebSession | None:
    return session.scalar(
        select(WebSession)
        .options(joinedload(WebSession.user))  # asked on every request: one query, not two
        .where(WebSession.token_sha256 == secret_digest(cookie))
    )


def start_session(session: Session, actor: Actor, now: datetime | None = None) -> str:
    """A new session for a signed-in actor; returns the cookie value (shown to nobody else)."""
    now = now or datetime.now(UTC)
    user = session.scalar(select(User).where(User.username == actor.username))
    if user is None:
        raise SignInRefused()
    cookie = secrets.token_urlsafe(32)
    row = WebSession(
        user_id=user.id, token_sha256=secret_digest(cookie), started_at=now, last_seen_at=now
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "session.start", "session", row.id)
    return cookie


def resume_session(session: Session, cookie: str, now: datetime | None = None) -> SignedIn | None:
    """Who a cookie signs in, with the session's CSRF token; None if it is not live. A session
    found idle or too old is ended here (the caller commits)."""
    now = now or datetime.now(UTC)
    row = _session_row(session, cookie)
    if row is None or row.ended_at is not None or not row.user.active:
        return None
    idle, age = now - aware_utc(row.last_seen_at), now - aware_utc(row.started_at)
    if idle > IDLE_LIMIT or age > AGE_LIMIT:
        row.ended_at = now
        return None
    if idle >= SEEN_GRANULARITY:
        row.last_seen_at = now
    return SignedIn(actor_for(session, row.user.username), row.id, csrf_token_for(cookie))


def end_session(session: Session, cookie: str, now: datetime | None = None) -> None:
    """Sign out: the cookie never works again. Ending an ended session is not an error."""
    now = now or datetime.now(UTC)
    row = _session_row(session, cookie)
    if row is None or row.ended_at is not None:
        return
    row.ended_at = now
    audit.record(session, actor_for(session, row.user.username), "session.end", "session", row.id)

"""Who is asking: a browser's session cookie or a machine client's API token, for every route.

A cookie-borne request that changes something must also carry the session's CSRF token (a form
field, or the X-CSRF-Token header from the app's own script); a token client sends no cookie, so
a forged cross-site request cannot act as it and needs no CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request

from footprint.config import Settings
from footprint.errors import Forbidden, NotSignedIn
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.credentials import SignInRefused, record_token_use, token_caller
from footprint.security.sessions import csrf_matches, resume_session
from footprint.store import Database

COOKIE = "footprint_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True, slots=True)
class Caller:
    actor: Actor
    csrf_token: str | None  # None for an API-token client


class CsrfRefused(Forbidden):
    def __init__(self) -> None:
        super().__init__("csrf_token: missing or wrong; reload the page and try again")


def settings(request: Request) -> Settings:
    configured: Settings = request.app.state.settings
    return configured


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _identified(request: Request, caller: Caller) -> Caller:
    request.state.caller = caller  # so that a refusal can be audited as them
    return caller


def identify(request: Request) -> Caller:
    """The caller of this request, or NotSignedIn."""
    db = database(request)
    token = _bearer(request)
    if token is not None:
        now = datetime.now(UTC)
        try:
            with db.read_only() as session:  # asked on every request: no transaction to open
                caller = token_caller(session, token, now)
        except SignInRefused:
            raise NotSignedIn("the API token is unknown or revoked") from None
        if caller.use_due:
            with db.unit_of_work() as session:
                record_token_use(session, caller, now)
        return _identified(request, Caller(caller.actor, None))
    cookie = request.cookies.get(COOKIE)
    if cookie:
        with db.unit_of_work() as session:
            signed = resume_session(session, cookie)
        if signed is not None:
            return _identified(request, Caller(signed.actor, signed.csrf_token))
    raise NotSignedIn("sign in first")


def require_csrf(request: Request, caller: Caller, submitted: str | None) -> None:
    """Refuse (and audit) a cookie-borne change without its session's CSRF token."""
    cookie = request.cookies.get(COOKIE)
    if caller.csrf_token is None or (cookie is not None and csrf_matches(cookie, submitted)):
        return
    with database(request).unit_of_work() as session:
        audit.record_read(
            session, caller.actor, "csrf.refused", "route", f"{request.method} {request.url.path}"
        )
    raise CsrfRefused()

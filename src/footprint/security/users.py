"""People: add and list users. Every change is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from footprint.security import audit
from footprint.security.actor import AccessDenied, Actor
from footprint.security.roles import Role
from footprint.store.models import Organisation, User, UserRole


class UserError(ValueError):
    """Bad input for a user: the message names the field."""


@dataclass(frozen=True, slots=True)
class UserView:
    username: str
    display_name: str
    organisation: str
    roles: tuple[Role, ...]
    active: bool


def _view(user: User) -> UserView:
    roles = tuple(sorted(Role(r.role) for r in user.roles))
    return UserView(user.username, user.display_name, user.organisation.code, roles, user.active)


def add_user(
    session: Session,
    actor: Actor,
    username: str,
    organisation_code: str,
    roles: list[Role],
    display_name: str | None = None,
) -> UserView:
    if not actor.is_coordinator and organisation_code != actor.organisation:
        raise AccessDenied(f"{actor.username} may only add users to {actor.organisation}")
    username = username.strip()
    if not username or len(username) > 80 or any(c.isspace() for c in username):
        raise UserError(f"username {username!r}: 1-80 characters, no spaces")
    organisation = session.scalar(
        select(Organisation).where(Organisation.code == organisation_code)
    )
    if organisation is None:
        raise UserError(f"organisation {organisation_code!r}: unknown (see `footprint orgs list`)")
    if Role.COORDINATOR in roles and organisation.kind != "coordinator":
        raise UserError(
            f"role coordinator: only for the coordinator's organisation, not {organisation.code}"
        )
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise UserError(f"username {username!r}: already exists")
    user = User(
        username=username,
        display_name=display_name or username,
        organisation=organisation,
        active=True,
        created_at=datetime.now(UTC),
        roles=[UserRole(role=str(r)) for r in dict.fromkeys(roles)],
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "user.add",
        "user",
        username,
        organisation=organisation.code,
        roles=[str(r) for r in roles],
    )
    return _view(user)


def list_users(session: Session, actor: Actor) -> list[UserView]:
    """The coordinator sees everyone; a force sees its own people."""
    query = select(User).join(Organisation).order_by(User.username)
    if not actor.is_coordinator:
        query = query.where(Organisation.code == actor.organisation)
    users = [_view(u) for u in session.scalars(query)]
    audit.record_read(session, actor, "user.list", "user", "*", count=len(users))
    return users


def actor_for(session: Session, username: str) -> Actor:
    """The Actor a known, active user acts as (asked on every request: two plain queries)."""
    found = session.execute(
        select(User.id, User.active, Organisation.code)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(User.username == username)
    ).one_or_none()
    if found is None or not found.active:
        raise UserError(f"user {username!r}: unknown or inactive")
    roles = session.scalars(select(UserRole.role).where(UserRole.user_id == found.id))
    return Actor(username, found.code, frozenset(Role(role) for role in roles))

"""People: add and list users. Every change is audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session

from footprint.errors import Invalid
from footprint.security import audit
from footprint.security.actor import AccessDenied, Actor
from footprint.security.permissions import Action, OrgKind, kind_of, require
from footprint.security.roles import Role
from footprint.store.models import Organisation, User, UserRole


class UserError(Invalid):
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
    require(actor, Action.USER_ADMIN)
    if kind_of(actor) is OrgKind.FORCE and organisation_code != actor.organisation:
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


def acting_as() -> Select[*tuple[Any, ...]]:
    """What an Actor is made of, a row per role (none: no row of user_roles): asked on every
    request, so the user, its force and its roles come in one query. Callers add a where
    clause (and may join more, as the API token look-up does)."""
    return (
        select(User.username, User.active, Organisation.code, UserRole.role)
        .join(Organisation, Organisation.id == User.organisation_id)
        .outerjoin(UserRole, UserRole.user_id == User.id)
    )


def actor_of(rows: Sequence[Row[Any]]) -> Actor | None:
    """The Actor the rows of an `acting_as` query describe; None for no user or an inactive one."""
    if not rows or not rows[0].active:
        return None
    roles = frozenset(Role(row.role) for row in rows if row.role is not None)
    return Actor(rows[0].username, rows[0].code, roles)


def actor_for(session: Session, username: str) -> Actor:
    """The Actor a known, active user acts as."""
    actor = actor_of(session.execute(acting_as().where(User.username == username)).all())
    if actor is None:
        raise UserError(f"user {username!r}: unknown or inactive")
    return actor

"""The officer in charge of a case: the person the force holds answerable for it. The officer
who acknowledges the package takes the case; a force supervisor may hand it to another of the
force's investigators or supervisors, saying why. Each holder is kept (case_assignments)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from footprint.errors import Conflict, Invalid
from footprint.operations.case_view import CaseView, case_view, stated, writable_case
from footprint.operations.scoping import require_visible, scoped_unit_of_work
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.permissions import Action
from footprint.security.roles import Role
from footprint.store import Database
from footprint.store.models import Case, CaseAssignment, Organisation, User, UserRole

REASON_CHARS = 400
# who may be in charge of a case: the force's caseworkers
OFFICER_ROLES = (Role.INVESTIGATOR, Role.FORCE_SUPERVISOR)


def force_user(session: Session, username: str, force_id: int, field: str) -> User:
    """An active user of the force, by username; anyone else is refused, naming the field."""
    name = username.strip()
    user = session.scalar(select(User).where(User.username == name))
    if user is None or not user.active or user.organisation_id != force_id:
        raise Invalid(f"{field}: {name!r} is not an active user of the case's force")
    return user


def take_charge(session: Session, case: Case, officer: str, by: str, reason: str | None) -> None:
    """Make `officer` the case's officer in charge, keeping the history (caller's transaction)."""
    case.officer = officer
    session.add(
        CaseAssignment(
            case_id=case.id,
            officer=officer,
            assigned_at=datetime.now(UTC),
            assigned_by=by,
            reason=reason,
        )
    )


def assign_officer(db: Database, actor: Actor, case_id: int, officer: str, reason: str) -> CaseView:
    """Hand the case to another officer of its force (a supervisor's call), with a reason."""
    why = stated(reason, "reason", REASON_CHARS, "say why the case changes hands")
    with scoped_unit_of_work(db, actor, "case", case_id) as session:
        case = writable_case(session, actor, case_id, Action.CASE_ASSIGN)
        user = force_user(session, officer, case.force_id, "officer")
        roles = set(session.scalars(select(UserRole.role).where(UserRole.user_id == user.id)))
        if not roles & set(OFFICER_ROLES):
            wanted = " or ".join(OFFICER_ROLES)
            raise Invalid(f"officer: {user.username} is not an {wanted}")
        if case.officer == user.username:
            raise Conflict(f"officer: {user.username} is already in charge of case {case_id}")
        was = case.officer
        take_charge(session, case, user.username, actor.username, why)
        audit.record(
            session,
            actor,
            "case.assign",
            "case",
            case_id,
            officer=user.username,
            was=was,
            reason=why,
        )
        return case_view(session, case)


@dataclass(frozen=True, slots=True)
class Person:
    username: str
    display_name: str
    may_lead: bool  # may be an officer in charge


def people_of_force(db: Database, actor: Actor, force: str) -> list[Person]:
    """A force's active people, to choose an officer or a task's owner from (its own force's,
    or any for the coordinator)."""
    require_visible(actor, force, f"force {force}")
    with db.unit_of_work() as session:
        rows = session.execute(
            select(User.username, User.display_name, UserRole.role)
            .join(Organisation, Organisation.id == User.organisation_id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(Organisation.code == force, User.active.is_(True))
            .order_by(User.display_name, User.username)
        ).all()
    people: dict[str, Person] = {}
    for username, display_name, role in rows:
        was = people.get(username)
        leads = role in OFFICER_ROLES or (was is not None and was.may_lead)
        people[username] = Person(username, display_name, leads)
    return list(people.values())

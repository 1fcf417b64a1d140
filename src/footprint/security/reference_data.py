"""Reference data every deployment has: the 45 forces and the national coordinator."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from footprint.geo.forces import COORDINATOR_CODE, COORDINATOR_NAME, police_forces
from footprint.security.audit_chain import GENESIS
from footprint.store import Database
from footprint.store.models import AuditHead, Organisation


def prepare_database(db: Database) -> Database:
    """The schema at its newest migration and the reference data loaded: what every command,
    the web app and the tests open a database with."""
    db.upgrade()
    with db.unit_of_work() as session:
        load_organisations(session)
    return db


def organisations(session: Session) -> list[tuple[str, str, str, str | None]]:
    """(code, name, kind, country) of every organisation: the coordinator, then the forces."""
    query = select(Organisation).order_by(Organisation.kind, Organisation.name)
    return [(o.code, o.name, o.kind, o.country) for o in session.scalars(query)]


def load_organisations(session: Session) -> int:
    """Insert what is missing (idempotent); returns how many were added."""
    existing = set(session.scalars(select(Organisation.code)))
    added = 0
    wanted = [(COORDINATOR_CODE, COORDINATOR_NAME, "coordinator", None, None)] + [
        (f.code, f.name, "force", f.country, f.police_uk_id) for f in police_forces()
    ]
    for code, name, kind, country, police_uk_id in wanted:
        if code not in existing:
            session.add(
                Organisation(
                    code=code, name=name, kind=kind, country=country, police_uk_id=police_uk_id
                )
            )
            added += 1
    if session.get(AuditHead, 1) is None:
        session.add(AuditHead(id=1, last_seq=0, last_hash=GENESIS))
    return added

"""A small operation served by the web app: two forces with two cases each, a user for every
role in each force and at the national coordinator, all with one password."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from footprint.geo.forces import COORDINATOR_CODE
from footprint.operations.intake import import_referrals
from footprint.operations.subjects import resolve_subjects
from footprint.security.actor import Actor
from footprint.security.credentials import issue_token, set_password
from footprint.security.roles import Role
from footprint.security.users import add_user
from footprint.store import Database
from footprint.store.models import (
    AuditEntry,
    Case,
    IntelPackage,
    Referral,
    SubjectReferral,
)
from footprint.web import create_app
from tests.operations.cases_setup import GMP, MET, OPERATION, open_cases
from tests.operations.samples import lone_referral

PASSWORD = "a long test passphrase"
FORCE_ROLES = (
    Role.FORCE_SUPERVISOR,
    Role.INVESTIGATOR,
    Role.ANALYST,
    Role.FORENSIC_EXAMINER,
    Role.AUDITOR,
)
NATIONAL_ROLES = (Role.COORDINATOR, Role.ANALYST, Role.AUDITOR)


@dataclass
class Site:
    db: Database
    app: FastAPI
    cases: dict[str, list[int]]  # organisation code -> case ids it holds
    packages: dict[str, list[int]]
    markers: dict[str, list[str]]  # what only a force's records contain: its referrals' ids
    subjects: dict[str, list[int]]  # organisation code -> subject ids (the coordinator: waiting)
    referrals: dict[str, list[int]]  # organisation code -> its subjects' referral ids
    users: dict[str, str] = field(default_factory=dict)  # username -> organisation code

    def users_of(self, organisation: str) -> list[str]:
        return [u for u, org in self.users.items() if org == organisation]


def username(organisation: str, role: Role) -> str:
    place = {MET: "met", GMP: "gmp", COORDINATOR_CODE: "national"}[organisation]
    return f"{place}.{role.value}"


def build_site(db: Database, folder: Path) -> Site:
    case_ids = open_cases(db, folder, [MET, MET, GMP, GMP])
    with db.unit_of_work() as session:
        packages = {
            force: [
                session.get_one(Case, case_id).package_id
                for case_id in case_ids
                if session.get_one(Case, case_id).force.code == force
            ]
            for force in (MET, GMP)
        }
        markers = {
            force: [
                referral["report_id"]
                for package_id in packages[force]
                for referral in session.get_one(IntelPackage, package_id).snapshot["referrals"]
            ]
            for force in (MET, GMP)
        }
    subjects = {
        force: [_subject_of(db, package_id) for package_id in packages[force]]
        for force in (MET, GMP)
    }
    subjects[COORDINATOR_CODE] = [waiting_subject(db, folder)]
    referrals = {org: _referrals_of(db, ids) for org, ids in subjects.items()}
    site = Site(
        db,
        create_app(db),
        {MET: case_ids[:2], GMP: case_ids[2:]},
        packages,
        markers,
        subjects,
        referrals,
    )
    people = [(org, role) for org in (MET, GMP) for role in FORCE_ROLES]
    people += [(COORDINATOR_CODE, role) for role in NATIONAL_ROLES]
    with db.unit_of_work() as session:
        for org, role in people:
            name = username(org, role)
            add_user(session, Actor.system(), name, org, [role])
            set_password(session, Actor.system(), name, PASSWORD)
            site.users[name] = org
    return site


def _subject_of(db: Database, package_id: int) -> int:
    with db.unit_of_work() as session:
        return session.get_one(IntelPackage, package_id).subject_id


def _referrals_of(db: Database, subject_ids: list[int]) -> list[int]:
    with db.unit_of_work() as session:
        query = select(SubjectReferral.referral_id).where(
            SubjectReferral.subject_id.in_(subject_ids)
        )
        return sorted(session.scalars(query))


def waiting_subject(db: Database, folder: Path) -> int:
    """A subject no resolver could allocate: the coordinator's alone."""
    with db.unit_of_work() as session:
        first = session.scalar(select(func.max(Referral.id))) or 0
    path = folder / "waiting.json"
    path.write_text(json.dumps([lone_referral(first + 1)]))
    import_referrals(db, Actor.system(), OPERATION, path)
    resolve_subjects(db, Actor.system(), OPERATION)
    with db.unit_of_work() as session:
        return session.scalars(
            select(SubjectReferral.subject_id)
            .join(Referral, Referral.id == SubjectReferral.referral_id)
            .where(Referral.report_id == f"TIP-{first + 1:06d}")
        ).one()


def sign_in_form(client: TestClient, next_path: str = "/") -> dict[str, str]:
    page = client.get(f"/sign-in?next={next_path}")
    token = re.search(r'name="sign_in_token" value="([^"]+)"', page.text)
    assert token is not None, page.text
    return {"sign_in_token": token.group(1), "next": next_path}


def browser(site: Site, user: str, password: str = PASSWORD) -> TestClient:
    """A client signed in through the sign-in page, holding its session cookie."""
    client = TestClient(site.app)
    form = sign_in_form(client) | {"username": user, "password": password}
    response = client.post("/sign-in", data=form, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/", response.text
    return client


def csrf_token(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', client.get("/").text)
    assert found is not None
    return found.group(1)


def machine(site: Site, user: str) -> TestClient:
    """A client with an API token (no cookies)."""
    with site.db.unit_of_work() as session:
        _, token = issue_token(session, Actor.system(), user, "tests")
    return TestClient(site.app, headers={"Authorization": f"Bearer {token}"})


def audited(db: Database, action: str, actor: str, record_id: object) -> bool:
    with db.unit_of_work() as session:
        return (
            session.scalar(
                select(AuditEntry.seq).where(
                    AuditEntry.action == action,
                    AuditEntry.actor == actor,
                    AuditEntry.record_id == str(record_id),
                )
            )
            is not None
        )

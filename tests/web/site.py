"""A small operation served by the web app: two forces with two cases each, a user for every
role in each force and at the national coordinator, all with one password."""

from __future__ import annotations

import json
import re
import shutil
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from footprint.clock import service_day
from footprint.config import Settings
from footprint.geo.forces import COORDINATOR_CODE
from footprint.operations.device_scans import link_device_scan, record_device
from footprint.operations.figures import publish_figures
from footprint.operations.intake import import_referrals
from footprint.operations.subjects import resolve_subjects
from footprint.operations.tasks import add_task
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
    ReferralFileRow,
    ScanFile,
    SubjectReferral,
)
from footprint.triage.service import ScanRequest, scan
from footprint.triage.signals_job import SignalOptions
from footprint.web import create_app
from tests.operations.cases_setup import GMP, MET, OPERATION, open_cases
from tests.operations.samples import lone_referral
from tests.triage.evidence_fixtures import build_case, store_with_known

PASSWORD = "a long test passphrase"
SCAN = "exhibit-1"  # the finished scan in each force's scans folder
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
    devices: dict[str, list[int]]  # force code -> a seized device per case, with a triage scan
    settings: Settings
    scan_files: dict[str, list[int]] = field(default_factory=dict)  # force -> its devices' files
    referral_files: dict[str, list[int]] = field(default_factory=dict)  # org -> its referrals'
    tasks: dict[str, list[int]] = field(default_factory=dict)  # force -> a task per case
    publication: int = 0  # a release of the operation's figures (the coordinator's)

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
    settings = Settings(
        var_dir=folder, hashset_store=folder / "hashsets.sqlite", scans_dir=folder / "scans"
    )
    cases = {MET: case_ids[:2], GMP: case_ids[2:]}
    devices = _scanned_devices(db, folder, settings, cases)
    site = Site(
        db,
        create_app(db, settings),
        cases,
        packages,
        markers,
        subjects,
        referrals,
        devices,
        settings,
    )
    with db.unit_of_work() as session:
        for force, device_ids in devices.items():
            query = select(ScanFile.id).where(ScanFile.device_id.in_(device_ids))
            site.scan_files[force] = sorted(session.scalars(query))
        for org, referral_ids in referrals.items():
            query = select(ReferralFileRow.id).where(ReferralFileRow.referral_id.in_(referral_ids))
            site.referral_files[org] = sorted(session.scalars(query))
    people = [(org, role) for org in (MET, GMP) for role in FORCE_ROLES]
    people += [(COORDINATOR_CODE, role) for role in NATIONAL_ROLES]
    with db.unit_of_work() as session:
        for org, role in people:
            name = username(org, role)
            add_user(session, Actor.system(), name, org, [role])
            set_password(session, Actor.system(), name, PASSWORD)
            site.users[name] = org
    for force, force_cases in cases.items():
        investigator = username(force, Role.INVESTIGATOR)
        actor = Actor(investigator, force, frozenset({Role.INVESTIGATOR}))
        due = service_day() + timedelta(days=7)
        for case_id in force_cases:
            view = add_task(db, actor, case_id, "Visit the school", investigator, due)
            site.tasks.setdefault(force, []).append(view.tasks[-1]["id"])
    released = publish_figures(db, Actor.system(), OPERATION, service_day(), False, True)
    site.publication = released.publication_id or 0
    return site


def _scanned_devices(
    db: Database, folder: Path, settings: Settings, cases: dict[str, list[int]]
) -> dict[str, list[int]]:
    """A real triage scan of benign evidence (some of it in a 'known' set) in each force's
    scans folder, and a seized device on every case linked to its force's scan."""
    evidence, vics = build_case(folder / "triage")
    store = store_with_known(folder, vics)
    try:
        first = settings.scans_dir / MET / SCAN
        scan(store, ScanRequest([evidence], ["known"], first, SignalOptions(), workers=1))
        shutil.copytree(first, settings.scans_dir / GMP / SCAN)
    finally:
        store.close()
    devices: dict[str, list[int]] = {}
    for force, case_ids in cases.items():
        examiner = Actor(f"examiner-{force}", force, frozenset({Role.FORENSIC_EXAMINER}))
        for n, case_id in enumerate(case_ids):
            view = record_device(db, examiner, case_id, "EX-1", "laptop", date(2026, 11, 2))
            device_id = view.devices[-1]["id"]
            linked = settings.scans_dir / force / (SCAN if n == 0 else f"{SCAN}-{n}")
            if n:  # a scan is one exhibit's: each device has its own (the same evidence again)
                shutil.copytree(settings.scans_dir / force / SCAN, linked)
            link_device_scan(db, examiner, device_id, linked)
            devices.setdefault(force, []).append(device_id)
    return devices


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


def job_ended(client: TestClient, job_id: int | str) -> dict[str, Any]:
    """A job's answer once it is no longer running."""
    deadline = time.monotonic() + 600  # bounds a failure only
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/api/v1/jobs/{job_id}").json()
        if job["status"] != "running":
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} never ended")


def asgi_post(path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    """An ASGI scope for a POST, to call the app without a client that would send the body."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }

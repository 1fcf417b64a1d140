"""The synthetic operation: invented referrals, and the demo loaded through every service."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from footprint.clock import service_day
from footprint.geo.forces import police_forces
from footprint.hashsets import KnownHashStore
from footprint.operations.bail import bail_expiring
from footprint.operations.cases import CaseFilter, list_cases
from footprint.operations.package_list import PackageFilter, list_packages
from footprint.operations.referral_format import parse_referral
from footprint.operations.subjects import lookup_identifier
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.roles import Role
from footprint.store import Database
from footprint.store.models import (
    Case,
    CaseTask,
    IntelPackage,
    Publication,
    Referral,
    SeizedDevice,
    SubjectMerge,
)
from footprint.synthetic.demo_casework import BRIDGED_EMAIL, MET
from footprint.synthetic.demo_operation import load_demo_operation
from footprint.synthetic.referrals import district_for, synthetic_referrals

FORCES = [f.code for f in police_forces()]


def test_synthetic_referrals_are_valid_invented_and_repeatable() -> None:
    docs = list(synthetic_referrals(400, FORCES, ["0" * 32], seed=7))
    assert docs == list(synthetic_referrals(400, FORCES, ["0" * 32], seed=7))
    parsed = [parse_referral(doc) for doc in docs]  # every one passes intake validation
    emails = Counter(i.value for p in parsed for i in p.identifiers if i.kind == "email")
    assert all(e.endswith("@example.org") for e in emails)
    assert any(n > 1 for n in emails.values())  # some people are referred again
    ips = {e.ip for p in parsed for e in p.ip_events}
    assert all(re.match(r"^(192\.0\.2|198\.51\.100|203\.0\.113)\.", ip) for ip in ips)
    districts = {p.postcodes[0].split()[0] for p in parsed if p.postcodes}
    assert districts <= {district_for(i) for i in range(45)} and len(districts) > 20
    assert all(d.startswith("X") for d in districts)  # no real postcode area starts with X


def test_demo_operation_loads_once_through_the_services(database: Database, tmp_path: Path) -> None:
    store = KnownHashStore(tmp_path / "hashsets")
    try:
        summary = load_demo_operation(database, store, tmp_path / "work", referrals=300)
        again = load_demo_operation(database, store, tmp_path / "work", referrals=300)
    finally:
        store.close()
    assert not summary.already_loaded and again.already_loaded
    assert summary.referrals == 301 and 0 < summary.subjects < 300  # with the late referral
    with database.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Referral)) == 301
        assert session.scalar(select(func.count()).select_from(IntelPackage)) == summary.packages
        assert session.scalar(select(func.count()).select_from(Case)) == summary.cases
        assert session.scalar(select(func.count()).select_from(Publication)) == 1
        states = set(session.scalars(select(Case.state)))
        checked, problems = audit.verify(session)
    assert {"received", "charged"} <= states and len(states) >= 5
    assert sum(summary.outcomes.values()) == min(summary.cases, 500)
    assert checked > 300 and problems == []


def test_the_demo_shows_each_feature_of_daily_casework(database: Database, tmp_path: Path) -> None:
    """A deconfliction hit, a merge, an overdue package, bail due, a task, a reassignment and a
    correction, each at least once (issue 18's demo)."""
    store = KnownHashStore(tmp_path / "hashsets")
    try:
        summary = load_demo_operation(database, store, tmp_path / "work", referrals=300)
    finally:
        store.close()
    assert set(summary.examples) == {
        "merge",
        "deconfliction hit",
        "bail due",
        "officer reassigned",
        "task",
        "correction",
        "overdue package",
    }
    supervisor = Actor("met.supervisor", MET, frozenset({Role.FORCE_SUPERVISOR}))
    with database.unit_of_work() as session:
        assert (session.scalar(select(func.count()).select_from(SubjectMerge)) or 0) >= 1
        assert session.scalar(select(func.count()).select_from(CaseTask)) == 1
        withdrawn = select(func.count()).where(SeizedDevice.withdrawn_at.is_not(None))
        assert session.scalar(withdrawn) == 1
    assert len(lookup_identifier(database, supervisor, "email", BRIDGED_EMAIL)) >= 2
    assert bail_expiring(database, supervisor, service_day(), 14) != []
    coordinator = Actor("coordinator", "NCA", frozenset({Role.COORDINATOR}))
    overdue = list_packages(database, coordinator, PackageFilter(due="overdue"))
    assert len(overdue) == 3 and all(p.overdue for p in overdue)
    mine = [c.id for c in list_cases(database, supervisor, CaseFilter(officer="met.investigator"))]
    assert len(mine) == 1

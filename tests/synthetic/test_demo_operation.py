"""The synthetic operation: invented referrals, and the demo loaded through every service."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from footprint.geo.forces import police_forces
from footprint.hashsets import KnownHashStore
from footprint.operations.referral_format import parse_referral
from footprint.security import audit
from footprint.store import Database
from footprint.store.models import Case, IntelPackage, Publication, Referral
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
    assert summary.referrals == 300 and 0 < summary.subjects < 300
    with database.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Referral)) == 300
        assert session.scalar(select(func.count()).select_from(IntelPackage)) == summary.packages
        assert session.scalar(select(func.count()).select_from(Case)) == summary.cases
        assert session.scalar(select(func.count()).select_from(Publication)) == 1
        states = set(session.scalars(select(Case.state)))
        checked, problems = audit.verify(session)
    assert {"received", "charged"} <= states and len(states) >= 5
    assert sum(summary.outcomes.values()) == min(summary.cases, 500)
    assert checked > 300 and problems == []

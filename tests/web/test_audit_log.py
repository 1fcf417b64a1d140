"""The audit log viewer: auditors only, a force auditor sees their own force's entries, filters,
and the chain's verification status, which names an edited entry."""

from __future__ import annotations

from sqlalchemy import select

from footprint.geo.forces import COORDINATOR_CODE
from footprint.security.roles import Role
from footprint.store.models import AuditEntry
from tests.operations.cases_setup import GMP, MET
from tests.web.site import Site, browser, machine, username

NATIONAL_AUDITOR = username(COORDINATOR_CODE, Role.AUDITOR)


def test_auditors_read_the_log_newest_first_with_filters(site: Site) -> None:
    case_id = site.cases[MET][0]
    reader = username(MET, Role.INVESTIGATOR)
    assert machine(site, reader).get(f"/api/v1/cases/{case_id}").status_code == 200
    national = machine(site, NATIONAL_AUDITOR)
    entries = national.get("/api/v1/audit").json()
    seqs = [e["seq"] for e in entries]
    assert seqs == list(range(seqs[0], seqs[0] - len(seqs), -1))  # every entry, newest first
    assert entries[1]["actor"] == reader and entries[1]["action"] == "case.read"
    about = national.get(
        "/api/v1/audit", params={"record_type": "case", "record_id": str(case_id)}
    ).json()
    assert any(e["actor"] == reader and e["action"] == "case.read" for e in about)
    assert all(e["record_id"] == str(case_id) for e in about)
    cases_only = national.get("/api/v1/audit", params={"action": "case."}).json()
    assert cases_only and all(e["action"].startswith("case.") for e in cases_only)
    force = machine(site, username(MET, Role.AUDITOR)).get("/api/v1/audit").json()
    assert force and {e["organisation"] for e in force} == {MET}
    refused = machine(site, reader).get("/api/v1/audit")
    assert refused.status_code == 403 and "needs one of these roles" in refused.json()["detail"]
    assert "auditor" in refused.json()["detail"]
    page = browser(site, NATIONAL_AUDITOR).get("/audit", params={"action": "case."})
    assert page.status_code == 200 and "Intact" in page.text and "case.read" in page.text
    reads = national.get("/api/v1/audit", params={"action": "audit.read"}).json()
    assert {e["actor"] for e in reads} >= {NATIONAL_AUDITOR, username(MET, Role.AUDITOR)}


def test_the_verification_names_an_edited_entry(site: Site) -> None:
    national = machine(site, NATIONAL_AUDITOR)
    assert national.get("/api/v1/audit/verification", params={"fresh": True}).json()["intact"]
    with site.db.unit_of_work() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq).limit(1)).one()
        seq, original = entry.seq, entry.actor
        entry.actor = "someone-else"
    try:
        status = national.get("/api/v1/audit/verification", params={"fresh": True}).json()
        assert status["intact"] is False
        assert any(line.startswith(f"entry {seq}: edited") for line in status["problems"])
        force = machine(site, username(GMP, Role.AUDITOR))
        hidden = force.get("/api/v1/audit/verification", params={"fresh": True}).json()
        assert hidden["intact"] is False and "national auditors" in hidden["problems"][0]
        page = browser(site, NATIONAL_AUDITOR).get("/audit", params={"fresh": "true"})
        assert "BROKEN" in page.text and f"entry {seq}: edited" in page.text
    finally:
        with site.db.unit_of_work() as session:
            session.get_one(AuditEntry, seq).actor = original
    assert national.get("/api/v1/audit/verification", params={"fresh": True}).json()["intact"]

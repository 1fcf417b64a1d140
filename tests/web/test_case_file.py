"""The file for the prosecutor on the web: a printable page inside the application (its print
leaves the application out) and the same file as JSON; the force's caseworkers only."""

from __future__ import annotations

from footprint.geo.forces import COORDINATOR_CODE
from footprint.security.roles import Role
from tests.operations.cases_setup import GMP, MET
from tests.web.site import Site, audited, browser, machine, username


def test_the_case_file_page_and_json(site: Site) -> None:
    case_id = site.cases[MET][0]
    user = username(MET, Role.INVESTIGATOR)
    page = browser(site, user).get(f"/cases/{case_id}/file")
    assert page.status_code == 200, page.text
    assert (
        "Case file for the prosecutor: case" in page.text and 'nav aria-label="Main"' in page.text
    )
    assert "Exhibits and continuity" in page.text and "Audit trail" in page.text
    assert "the chain is intact" in page.text and "<img" not in page.text
    assert f'href="/cases/{case_id}/file"' in browser(site, user).get(f"/cases/{case_id}").text
    answer = machine(site, user).get(f"/api/v1/cases/{case_id}/file")
    assert answer.status_code == 200
    prepared = answer.json()
    assert prepared["format"] == "footprint-case-file/1" and prepared["case_id"] == case_id
    assert prepared["exhibits"][0]["exhibit_ref"] == "EX-1" and prepared["audit"]["intact"]
    assert audited(site.db, "case.file", user, case_id)
    national = machine(site, username(COORDINATOR_CODE, Role.COORDINATOR))
    assert national.get(f"/api/v1/cases/{case_id}/file").status_code == 403
    other = machine(site, username(GMP, Role.INVESTIGATOR))
    assert other.get(f"/api/v1/cases/{case_id}/file").status_code == 404

"""People read force names, not only ONS codes: every page that names a force says its name
(the code kept beside it for those who search by it)."""

from __future__ import annotations

from footprint.geo.forces import COORDINATOR_CODE, named, organisation_name
from footprint.security.roles import Role
from tests.operations.cases_setup import MET
from tests.web.site import Site, browser, username


def test_a_code_is_read_with_its_name() -> None:
    assert named(MET) == "Metropolitan Police (E23000001)"
    assert organisation_name(COORDINATOR_CODE).startswith("National Crime Agency")
    assert named("X99") == "X99" and named(None) == ""  # a code naming nothing stays as it is


def test_pages_name_the_force(site: Site) -> None:
    client = browser(site, username(MET, Role.INVESTIGATOR))
    for path in ("/", "/cases", "/packages", f"/cases/{site.cases[MET][0]}"):
        page = client.get(path)
        assert page.status_code == 200 and "Metropolitan Police (E23000001)" in page.text, path
    national = browser(site, username(COORDINATOR_CODE, Role.COORDINATOR))
    subject = national.get(f"/subjects/{site.subjects[MET][0]}")
    assert "allocated to Metropolitan Police (E23000001)" in subject.text

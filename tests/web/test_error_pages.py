"""Error pages are pages: an address with no page, a refusal or bad input shows the signed-in
person their navigation (never raw JSON, never a dead end); the API keeps answering JSON."""

from __future__ import annotations

from footprint.security.roles import Role
from tests.operations.cases_setup import GMP, MET
from tests.web.site import Site, browser, machine, username

NAV = 'nav aria-label="Main"'


def test_an_unknown_address_gets_a_page_with_the_navigation(site: Site) -> None:
    client = browser(site, username(MET, Role.INVESTIGATOR))
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    assert "no page at /no-such-page" in missing.text and NAV in missing.text
    api = machine(site, username(MET, Role.INVESTIGATOR)).get("/api/v1/no-such-call")
    assert api.status_code == 404 and api.json() == {"detail": "no page at /api/v1/no-such-call"}


def test_a_refused_record_keeps_the_navigation(site: Site) -> None:
    client = browser(site, username(MET, Role.INVESTIGATOR))
    other = client.get(f"/cases/{site.cases[GMP][0]}")  # another force's case reads as missing
    assert other.status_code == 404 and NAV in other.text and "Not found" in other.text
    bad = client.get("/cases/not-a-number")
    assert bad.status_code == 422 and NAV in bad.text

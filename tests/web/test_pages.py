"""The pages through an HTTP client: sign-in and its lock-out, session cookies and security
headers, forms with CSRF tokens, a case worked from received to charged."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from footprint.operations.cases import get_case
from footprint.security.actor import Actor
from footprint.security.credentials import set_password
from footprint.security.roles import Role
from tests.operations.cases_setup import GMP, MET
from tests.web.site import PASSWORD, Site, audited, browser, csrf_token, sign_in_form, username

SUPERVISOR = username(GMP, Role.FORCE_SUPERVISOR)


def test_pages_need_a_session_and_sign_in_sets_a_strict_cookie(site: Site) -> None:
    anonymous = TestClient(site.app)
    response = anonymous.get("/cases", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/sign-in?next=/cases"
    form = sign_in_form(anonymous, "/cases") | {"username": SUPERVISOR, "password": PASSWORD}
    signed = anonymous.post("/sign-in", data=form, follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/cases"
    cookie = signed.headers["set-cookie"]
    assert "footprint_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain HTTP here; `footprint serve --tls-cert` makes it Secure
    page = anonymous.get("/cases")
    assert page.status_code == 200 and SUPERVISOR in page.text


def test_sign_in_refusals_read_the_same_and_five_lock_that_source_out(site: Site) -> None:
    user = username(GMP, Role.ANALYST)
    client = TestClient(site.app, client=("198.51.100.66", 50000))
    for _ in range(5):
        form = sign_in_form(client) | {"username": user, "password": "wrong password!"}
        refused = client.post("/sign-in", data=form)
        assert "Username or password not recognised." in refused.text
    form = sign_in_form(client) | {"username": user, "password": PASSWORD}
    locked = client.post("/sign-in", data=form)
    assert "Username or password not recognised." in locked.text  # right password, but locked
    assert audited(site.db, "user.locked", user, user)
    elsewhere = TestClient(site.app, client=("192.0.2.10", 50000))  # the user, at their desk
    signed_in = elsewhere.post(
        "/sign-in",
        data=sign_in_form(elsewhere) | {"username": user, "password": PASSWORD},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
    unknown = client.post(
        "/sign-in", data=sign_in_form(client) | {"username": "nobody", "password": "x"}
    )
    assert "Username or password not recognised." in unknown.text
    forged = client.post(
        "/sign-in",
        data={"username": user, "password": PASSWORD, "sign_in_token": "made-up", "next": "/"},
        follow_redirects=False,
    )
    assert forged.headers["location"] == "/sign-in?failed=true"
    with site.db.unit_of_work() as session:
        set_password(session, Actor.system(), user, PASSWORD)  # unlocks for the other tests


def test_security_headers_on_every_answer(site: Site) -> None:
    client = browser(site, SUPERVISOR)
    for path in ("/", "/sign-in", "/api/v1/me", "/static/app.css", "/cases/999999"):
        headers = client.get(path).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
    assert client.get("/").headers["cache-control"] == "no-store"
    dashboard = client.get("/").text
    assert "<script>" not in dashboard and " style=" not in dashboard
    assert 'href="http' not in dashboard and 'src="http' not in dashboard  # no CDN


def test_dashboards_draw_their_charts(site: Site) -> None:
    national = browser(site, username("NCA", Role.COORDINATOR)).get("/").text
    # risk bands, progress over time, packages and arrests per force
    assert national.count('<svg class="chart"') == 4
    assert 'aria-label="Progress over time, cumulative"' in national
    assert 'aria-label="Packages issued per force"' in national
    assert "Greater Manchester" in national and "Metropolitan" in national
    force = browser(site, SUPERVISOR).get("/").text
    assert force.count('<svg class="chart"') == 2  # its packages by risk band, its progress
    assert "Force dashboard" in force


def test_a_case_from_received_to_charged_in_the_pages(site: Site) -> None:
    user = username(GMP, Role.INVESTIGATOR)
    client = browser(site, user)
    csrf = csrf_token(client)
    case_id = site.cases[GMP][1]
    url = f"/cases/{case_id}"
    for step in ("researching", "warrant-applied", "warrant-granted", "search-executed"):
        moved = client.post(f"{url}/advance", data={"state": step, "csrf_token": csrf})
        assert moved.status_code == 200 and f'<span class="state">{step}</span>' in moved.text
    client.post(
        f"{url}/searches",
        data={"address": "2 Example Road", "searched_on": "2026-11-04", "csrf_token": csrf},
    )
    client.post(f"{url}/advance", data={"state": "arrested", "csrf_token": csrf})
    client.post(
        f"{url}/children",
        data={
            "count": "2",
            "age_band": "11-15",
            "relationship": "stepchild",
            "immediate_risk": "true",
            "csrf_token": csrf,
        },
    )
    for kind in ("social-care-referral", "strategy-discussion"):
        client.post(
            f"{url}/safeguarding-actions",
            data={
                "kind": kind,
                "action_on": "2026-11-05",
                "owner": "DC Example",
                "csrf_token": csrf,
            },
        )
    wrong = client.post(f"{url}/advance", data={"state": "warrant-granted", "csrf_token": csrf})
    assert wrong.status_code == 409
    assert "allowed from arrested" in wrong.text
    charged = client.post(f"{url}/advance", data={"state": "charged", "csrf_token": csrf})
    assert '<span class="state">charged</span>' in charged.text
    client.post(
        f"{url}/charges",
        data={"offence": "possession", "charged_on": "2026-11-06", "csrf_token": csrf},
    )
    view = get_case(site.db, Actor(user, GMP, frozenset({Role.INVESTIGATOR})), case_id)
    assert view.state == "charged"
    assert [a["kind"] for a in view.safeguarding_actions] == [
        "social-care-referral",
        "strategy-discussion",
    ]
    assert view.children[0]["count"] == 2 and view.children[0]["immediate_risk"] is True
    assert view.charges[0]["offence"] == "possession"
    assert [e["to"] for e in view.history][-1] == "charged"


def test_a_form_without_its_csrf_token_is_refused_and_audited(site: Site) -> None:
    user = username(MET, Role.INVESTIGATOR)
    client = browser(site, user)
    case_id = site.cases[MET][0]
    for data in ({"state": "researching"}, {"state": "researching", "csrf_token": "0" * 64}):
        refused = client.post(f"/cases/{case_id}/advance", data=data)
        assert refused.status_code == 403 and "csrf_token" in refused.text
    assert audited(site.db, "csrf.refused", user, f"POST /cases/{case_id}/advance")
    assert client.get(f"/api/v1/cases/{case_id}").json()["state"] == "received"


def test_bad_form_input_names_the_field(site: Site) -> None:
    client = browser(site, username(MET, Role.INVESTIGATOR))
    csrf = csrf_token(client)
    case_id = site.cases[MET][0]
    bad = client.post(
        f"/cases/{case_id}/safeguarding-actions",
        data={"kind": "visit", "action_on": "2026-11-05", "owner": "DC A", "csrf_token": csrf},
    )
    assert bad.status_code == 422 and "kind: &#39;visit&#39; is not one of" in bad.text
    no_date = client.post(
        f"/cases/{case_id}/searches",
        data={"address": "x", "searched_on": "soon", "csrf_token": csrf},
    )
    assert no_date.status_code == 422 and "searched_on" in no_date.text


def test_another_forces_case_page_is_not_found_and_audited(site: Site) -> None:
    user = username(MET, Role.FORCE_SUPERVISOR)
    client = browser(site, user)
    other = site.cases[GMP][0]
    page = client.get(f"/cases/{other}")
    assert page.status_code == 404 and f"case {other}: not found" in page.text
    assert audited(site.db, "case.denied", user, other)


def test_sign_out_ends_the_session_for_good(site: Site) -> None:
    client = browser(site, username(MET, Role.ANALYST))
    cookie = client.cookies.get("footprint_session")
    out = client.post("/sign-out", data={"csrf_token": csrf_token(client)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/sign-in"
    replay = TestClient(site.app, cookies={"footprint_session": cookie or ""})
    assert replay.get("/", follow_redirects=False).status_code == 303
    assert replay.get("/api/v1/me").status_code == 401
    assert re.search(r"session", replay.get("/api/v1/me").json()["detail"]) is None


def test_sign_in_only_ever_returns_to_this_site(site: Site) -> None:
    client = TestClient(site.app)
    for target, expected in [
        ("/cases", "/cases"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\t/evil.example/", "/"),
    ]:
        form = sign_in_form(client) | {
            "username": SUPERVISOR,
            "password": PASSWORD,
            "next": target,
        }
        signed = client.post("/sign-in", data=form, follow_redirects=False)
        assert signed.headers["location"] == expected, target

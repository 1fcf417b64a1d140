"""The JSON API through an HTTP client: every endpoint, scoped and audited (SQLite and, in CI's
second pass, PostgreSQL)."""

from __future__ import annotations

from starlette.types import Message

from footprint.geo.forces import COORDINATOR_CODE
from footprint.security.actor import Actor
from footprint.security.credentials import revoke_token
from footprint.security.roles import Role
from footprint.store.models import ApiToken
from footprint.web.app import all_routes
from tests.operations.cases_setup import GMP, MET, OPERATION
from tests.web.site import Site, asgi_post, audited, browser, csrf_token, machine, username

INVESTIGATOR = username(MET, Role.INVESTIGATOR)


def test_me_needs_a_live_token(site: Site) -> None:
    from fastapi.testclient import TestClient

    anonymous = TestClient(site.app)
    refused = anonymous.get("/api/v1/me")
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    client = machine(site, INVESTIGATOR)
    assert client.get("/api/v1/me").json() == {
        "username": INVESTIGATOR,
        "organisation": MET,
        "roles": ["investigator"],
    }
    with site.db.unit_of_work() as session:
        token_id = max(t.id for t in session.query(ApiToken))
        revoke_token(session, Actor.system(), token_id)
    assert client.get("/api/v1/me").status_code == 401
    bogus = TestClient(site.app, headers={"Authorization": "Bearer fp_not-a-token"})
    assert bogus.get("/api/v1/me").status_code == 401


def test_cases_are_scoped_and_a_refusal_is_audited(site: Site) -> None:
    client = machine(site, INVESTIGATOR)
    listed = client.get("/api/v1/cases").json()
    assert sorted(c["id"] for c in listed) == site.cases[MET]
    assert {c["force"] for c in listed} == {MET}
    own = client.get(f"/api/v1/cases/{site.cases[MET][0]}")
    assert own.status_code == 200 and own.json()["state"] == "received"
    other = site.cases[GMP][0]
    hidden = client.get(f"/api/v1/cases/{other}")
    assert hidden.status_code == 404
    assert hidden.json() == {"detail": f"case {other}: not found"}
    assert audited(site.db, "case.denied", INVESTIGATOR, other)
    assert client.get("/api/v1/cases/999999").status_code == 404
    assert client.get("/api/v1/cases/0").status_code == 422
    assert client.get("/api/v1/cases/abc").status_code == 422
    coordinator = machine(site, username(COORDINATOR_CODE, Role.COORDINATOR))
    assert len(coordinator.get("/api/v1/cases").json()) == 4


def test_a_case_from_received_to_charged_through_the_api(site: Site) -> None:
    client = machine(site, INVESTIGATOR)
    case_id = site.cases[MET][1]
    steps = ["researching", "warrant-applied", "warrant-granted", "search-executed", "arrested"]
    for step in steps:
        response = client.post(f"/api/v1/cases/{case_id}/advance", json={"state": step})
        assert response.status_code == 200, response.text
        assert response.json()["state"] == step
    wrong = client.post(f"/api/v1/cases/{case_id}/advance", json={"state": "researching"})
    assert wrong.status_code == 409
    assert "allowed from arrested" in wrong.json()["detail"]
    unknown = client.post(f"/api/v1/cases/{case_id}/advance", json={"state": "flying"})
    assert unknown.status_code == 422 and unknown.json()["detail"].startswith("state:")
    search = client.post(
        f"/api/v1/cases/{case_id}/searches",
        json={"address": "1 Example Street", "searched_on": "2026-11-02"},
    )
    assert search.json()["searches"][0]["address"] == "1 Example Street"
    children = client.post(
        f"/api/v1/cases/{case_id}/children",
        json={"count": 2, "age_band": "5-10", "relationship": "own-child", "immediate_risk": True},
    )
    assert children.json()["children"][0]["count"] == 2
    action = client.post(
        f"/api/v1/cases/{case_id}/safeguarding-actions",
        json={"kind": "social-care-referral", "action_on": "2026-11-02", "owner": "DS Example"},
    )
    assert action.json()["safeguarding_actions"][0]["kind"] == "social-care-referral"
    done = client.post(f"/api/v1/cases/{case_id}/advance", json={"state": "charged"})
    assert done.json()["state"] == "charged" and done.json()["allowed_next"] == ["closed"]
    charge = client.post(
        f"/api/v1/cases/{case_id}/charges",
        json={"offence": "making", "charged_on": "2026-11-03", "images": {"A": 3, "B": 1}},
    )
    assert charge.status_code == 200, charge.text
    assert charge.json()["charges"][0]["images_a"] == 3


def test_bad_input_names_the_field(site: Site) -> None:
    client = machine(site, INVESTIGATOR)
    case_id = site.cases[MET][0]
    cases = [
        ("children", {"count": 0, "age_band": "5-10", "relationship": "x", "immediate_risk": 1}),
        (
            "children",
            {"count": 1, "age_band": "99", "relationship": "own-child", "immediate_risk": False},
        ),
        ("safeguarding-actions", {"kind": "visit", "action_on": "2026-11-02", "owner": "A"}),
        ("safeguarding-actions", {"kind": "lado-referral", "action_on": "yesterday", "owner": "A"}),
        ("searches", {"address": "", "searched_on": "2026-11-02"}),
        ("charges", {"offence": "theft", "charged_on": "2026-11-02"}),
        ("advance", {}),
    ]
    expected = ["count", "age_band", "kind", "action_on", "address", "offence", "state"]
    for (path, body), field in zip(cases, expected, strict=True):
        response = client.post(f"/api/v1/cases/{case_id}/{path}", json=body)
        assert response.status_code == 422, (path, body, response.text)
        assert field in response.json()["detail"], (path, response.json())
    not_json = client.post(
        f"/api/v1/cases/{case_id}/advance",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert not_json.status_code == 422


def test_packages_and_bail_due(site: Site) -> None:
    client = machine(site, username(MET, Role.FORCE_SUPERVISOR))
    listed = client.get("/api/v1/packages").json()
    assert sorted(p["id"] for p in listed) == sorted(site.packages[MET])
    own = client.get(f"/api/v1/packages/{site.packages[MET][0]}").json()
    assert own["status"] == "acknowledged" and own["risk_band"] in ("medium", "high", "very-high")
    other = site.packages[GMP][0]
    assert client.get(f"/api/v1/packages/{other}").status_code == 404
    assert client.post(f"/api/v1/packages/{other}/acknowledge").status_code == 404
    assert audited(site.db, "package.denied", username(MET, Role.FORCE_SUPERVISOR), other)
    again = client.post(f"/api/v1/packages/{site.packages[MET][0]}/acknowledge")
    assert again.status_code == 422 and "already acknowledged" in again.json()["detail"]
    assert client.get("/api/v1/bail-due").json() == []
    assert client.get("/api/v1/bail-due?within_days=-1").status_code == 422


def test_figures_and_operations(site: Site) -> None:
    force = machine(site, username(GMP, Role.ANALYST))
    [operation] = force.get("/api/v1/operations").json()
    assert operation["name"] == OPERATION
    own = force.get(f"/api/v1/operations/{OPERATION}/figures").json()
    assert list(own["forces"]) == [GMP]
    assert own["counts"][GMP]["packages_issued"] == 2
    national = machine(site, username(COORDINATOR_CODE, Role.COORDINATOR))
    everything = national.get(f"/api/v1/operations/{OPERATION}/figures").json()
    assert len(everything["forces"]) == 45
    assert national.get("/api/v1/operations/Op%20Nothing/figures").status_code == 404


def test_a_browser_session_must_send_the_csrf_header(site: Site) -> None:
    user = username(GMP, Role.INVESTIGATOR)
    client = browser(site, user)
    case_id = site.cases[GMP][0]
    url = f"/api/v1/cases/{case_id}/advance"
    refused = client.post(url, json={"state": "researching"})
    assert refused.status_code == 403 and "csrf_token" in refused.json()["detail"]
    assert audited(site.db, "csrf.refused", user, f"POST {url}")
    assert client.get(f"/api/v1/cases/{case_id}").json()["state"] == "received"
    accepted = client.post(
        url, json={"state": "researching"}, headers={"X-CSRF-Token": csrf_token(client)}
    )
    assert accepted.status_code == 200 and accepted.json()["state"] == "researching"


def test_the_openapi_document_describes_every_api_route(site: Site) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(site.app)
    document = client.get("/api/v1/openapi.json").json()
    api_paths = {route.path for route in all_routes() if route.path.startswith("/api/v1/")}
    assert len(api_paths) == 57
    assert set(document["paths"]) == api_paths
    assert client.get("/docs").status_code == 404  # the stock docs page would load a CDN


def test_lists_come_a_page_at_a_time(site: Site) -> None:
    client = machine(site, username(COORDINATOR_CODE, Role.COORDINATOR))
    every = [c["id"] for c in client.get("/api/v1/cases").json()]
    assert every == sorted(every) and len(every) == 4
    assert [c["id"] for c in client.get("/api/v1/cases?offset=1&limit=2").json()] == every[1:3]
    assert client.get("/api/v1/cases?offset=4").json() == []
    for bad in ("limit=0", "limit=1001", "offset=-1"):
        response = client.get(f"/api/v1/cases?{bad}")
        assert response.status_code == 422 and bad.split("=")[0] in response.json()["detail"]
    packages = [p["id"] for p in client.get("/api/v1/packages?limit=3").json()]
    assert len(packages) == 3
    assert [p["id"] for p in client.get("/api/v1/packages?offset=3").json()] != packages


def test_a_nul_character_in_a_query_or_path_is_refused_naming_where(site: Site) -> None:
    client = machine(site, INVESTIGATOR)
    answer = client.get("/api/v1/identifiers", params={"kind": "screen_name", "value": "a\x00b"})
    assert answer.status_code == 422
    assert answer.json() == {"detail": "value: contains a NUL character"}
    assert answer.headers["content-security-policy"]  # refused inside the security headers
    assert client.get("/api/v1/cases/1%00").status_code == 422


def test_a_nul_character_in_a_json_or_form_body_is_refused_naming_the_field(site: Site) -> None:
    from fastapi.testclient import TestClient

    client = machine(site, INVESTIGATOR)
    case = f"/api/v1/cases/{site.cases[MET][0]}"
    search = {"address": "1 High St\x00", "searched_on": "2026-10-01"}
    charge = {"offence": "possession", "charged_on": "2026-10-01", "images": {"A\x00": 1}}
    for url, body, field in (
        (f"{case}/searches", search, "address"),
        (f"{case}/charges", charge, "images.A"),
    ):
        answer = client.post(url, json=body)
        assert answer.status_code == 422
        assert answer.json() == {"detail": f"{field}: contains a NUL character"}
    assert client.get(case).json()["searches"] == []  # nothing written
    refused = TestClient(site.app).post("/sign-in", data={"username": "a\x00", "password": "x"})
    assert refused.status_code == 422 and "username: contains a NUL character" in refused.text
    accepted = client.post(f"{case}/searches", json=search | {"address": "1 High St"})
    assert accepted.status_code == 200  # the body read for the check still reaches the route


def test_a_body_whose_client_went_away_half_sent_is_never_acted_on(site: Site) -> None:
    import asyncio

    client = machine(site, INVESTIGATOR)
    case = f"/api/v1/cases/{site.cases[MET][0]}"
    before = client.get(case).json()["searches"]
    messages: list[Message] = [
        {"type": "http.request", "body": b'{"address": "1 High', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = asgi_post(
        f"{case}/searches",
        [
            (b"content-type", b"application/json"),
            (b"authorization", client.headers["authorization"].encode()),
        ],
    )
    asyncio.run(site.app(scope, receive, send))
    assert sent == []  # no answer: nobody to answer
    assert client.get(case).json()["searches"] == before


def test_a_json_body_over_a_mebibyte_is_refused_unread(site: Site) -> None:
    client = machine(site, INVESTIGATOR)
    case = f"/api/v1/cases/{site.cases[MET][0]}"
    huge = {"address": "x" * (1024 * 1024), "searched_on": "2026-10-01"}
    answer = client.post(f"{case}/searches", json=huge)
    assert answer.status_code == 413 and answer.json()["detail"].startswith("body: over")
    assert all(s["address"] != huge["address"] for s in client.get(case).json()["searches"])

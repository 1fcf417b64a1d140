"""The route sweep: every role of two forces and of the national coordinator requests every
route, page and API, with the other organisations' record ids. A force user never sees another
force's record (404, nothing of it in the answer) and every such refusal is in the audit log; the
coordinator's users see every force's records."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from httpx2 import Response

from footprint.clock import service_day
from footprint.geo.forces import COORDINATOR_CODE
from footprint.store.models import AuditEntry
from footprint.web.app import all_routes
from tests.operations.cases_setup import GMP, KENT, MET, OPERATION
from tests.web.site import SCAN, Site, browser, csrf_token

# a valid body for every route that changes something, so that the refusal, if any, comes from
# the record's scoping and not from validation
API_BODIES: dict[str, dict[str, Any]] = {
    "/api/v1/cases/{case_id}/advance": {"state": "researching"},
    "/api/v1/cases/{case_id}/searches": {"address": "1 Sweep Road", "searched_on": "2026-11-01"},
    "/api/v1/cases/{case_id}/charges": {"offence": "making", "charged_on": "2026-11-01"},
    "/api/v1/cases/{case_id}/children": {
        "count": 1,
        "age_band": "5-10",
        "relationship": "own-child",
        "immediate_risk": False,
    },
    "/api/v1/cases/{case_id}/safeguarding-actions": {
        "kind": "lado-referral",
        "action_on": "2026-11-01",
        "owner": "DS Sweep",
    },
    "/api/v1/cases/{case_id}/bail": {
        "started_on": "2026-11-01",
        "conditions": ["no-unsupervised-contact"],
        "authorised_by": "Insp Sweep",
    },
    "/api/v1/cases/{case_id}/bail/extend": {"authorised_by": "Supt Sweep"},
    "/api/v1/cases/{case_id}/flags": {"position_of_trust": True},
    "/api/v1/cases/{case_id}/withdrawals": {"kind": "search", "entry": 1, "reason": "sweep"},
    "/api/v1/cases/{case_id}/devices": {
        "exhibit_ref": "SW-1",
        "description": "phone",
        "seized_on": "2026-11-01",
    },
    "/api/v1/cases/{case_id}/devices/{device_id}/scan": {"scan": SCAN},
    "/api/v1/cases/{case_id}/officer": {"officer": "sweep", "reason": "sweep"},
    "/api/v1/cases/{case_id}/tasks": {
        "title": "sweep",
        "owner": "sweep",
        "due_on": (service_day() + timedelta(days=7)).isoformat(),
    },
    "/api/v1/tasks/{task_id}/done": {"note": "sweep"},
    "/api/v1/packages/{package_id}/acknowledge": {},
    "/api/v1/packages/{package_id}/transfer": {"to_force": KENT, "reason": "sweep"},
    "/api/v1/subjects/{subject_id}/risk": {"factors": ["lives_with_children"]},
    "/api/v1/subjects/{subject_id}/risk/override": {"band": "high", "reason": "sweep"},
    "/api/v1/subjects/{subject_id}/assign": {"force": KENT, "reason": "sweep"},
    "/api/v1/subjects/{subject_id}/package": {},
    "/api/v1/subjects/{subject_id}/merges/{merge_id}/undo": {},
}
# the id parameters of record routes, and the record type their refusals are audited under
RECORDS = {
    "case_id": "case",
    "package_id": "package",
    "subject_id": "subject",
    "referral_id": "referral",
    "scan_file_id": "scan_file",
    "referral_file_id": "referral_file",
    "task_id": "task",
    "publication_id": "publication",
}
PAGE_FORMS = {path.removeprefix("/api/v1"): body for path, body in API_BODIES.items()}
# sign-in/out carry no record ids; hash sets and postcode data are national reference data,
# not a force's records; an operation's intake, grading, resolution and allocation are the
# coordinator's alone (tests/web/test_operation_page.py refuses force users each of them)
NO_RECORD_POSTS = {
    # releases of figures are the coordinator's alone (tests/web/test_releases.py)
    "/figures/releases",
    "/api/v1/operations/{name}/releases",
    "/sign-in",
    "/sign-out",
    "/hash-sets/import",
    "/api/v1/hash-sets/{set_name}/corrections",
    "/postcodes",
    "/operations/{name}/referrals",
    "/operations/{name}/grade",
    "/operations/{name}/resolve",
    "/operations/{name}/allocate",
    # votes, resolutions and decisions name their files in the body (a selection of them):
    # tests/web/test_grading.py sends every one of them another force's files
    "/api/v1/grading/votes",
    "/api/v1/grading/resolutions",
    "/api/v1/grading/decisions",
    "/api/v1/grading/decisions/undo",
    "/api/v1/grading/flags",
    "/grading/flags",
    "/grading/votes",
    "/grading/resolutions",
    "/grading/decisions",
    "/grading/decisions/undo",
}
LIST_PARAMS = {"operation": OPERATION, "kind": "email", "value": "nobody@example.org", "q": "1"}


def _methods(route: APIRoute) -> set[str]:
    return set(route.methods or ())


def _has_record(route: APIRoute) -> bool:
    return any(f"{{{name}}}" in route.path for name in RECORDS)


def _record_routes() -> list[tuple[str, APIRoute]]:
    routes = []
    for route in all_routes():
        if _has_record(route):
            routes += [(method, route) for method in sorted(_methods(route))]
    return routes


SWEPT_PARAMS = frozenset(
    (
        "case_id",
        "package_id",
        "subject_id",
        "referral_id",
        "device_id",
        "index",
        "merge_id",
        "scan_file_id",
        "referral_file_id",
        "task_id",
        "publication_id",
    )
)


def _ids(site: Site, force: str, index: int) -> dict[str, int]:
    """The index-th record of each type the force holds (every one of SWEPT_PARAMS)."""
    return {
        "case_id": site.cases[force][index],
        "package_id": site.packages[force][index],
        "subject_id": site.subjects[force][index],
        "referral_id": site.referrals[force][index],
        "device_id": site.devices[force][index],
        "index": 0,  # a finding of the device's scan
        "merge_id": 1,  # a merge into the subject (scoped through it)
        "scan_file_id": site.scan_files[force][index],
        "referral_file_id": site.referral_files[force][index],
        "task_id": site.tasks[force][index],
        "publication_id": site.publication,  # national: no force's, so none reads it
    }


def _url(route: APIRoute, ids: dict[str, int]) -> str | None:
    """The route's URL for these records; None when it needs a record type not among them."""
    try:
        return route.path.format(**ids)
    except KeyError:
        return None


def _request(client: TestClient, csrf: str, method: str, route: APIRoute, url: str) -> Response:
    if method == "GET":
        return client.get(url)
    if route.path.startswith("/api/"):
        body = API_BODIES[route.path]
        return client.post(url, json=body, headers={"X-CSRF-Token": csrf})
    return client.post(url, data=PAGE_FORMS[route.path] | {"csrf_token": csrf})


def _denials(site: Site, user: str) -> set[tuple[str, str]]:
    with site.db.unit_of_work() as session:
        rows = session.query(AuditEntry.action, AuditEntry.record_id).filter(
            AuditEntry.actor == user, AuditEntry.action.like("%.denied")
        )
        return {(action, record_id) for action, record_id in rows}


def test_every_route_with_a_record_id_is_swept() -> None:
    posts = {route.path for method, route in _record_routes() if method == "POST"}
    assert posts == set(API_BODIES) | set(PAGE_FORMS)
    for _method, route in _record_routes():  # a path parameter the sweep cannot fill is a gap
        assert set(route.param_convertors) <= SWEPT_PARAMS, route.path
    unswept = {
        route.path
        for route in all_routes()
        if "POST" in _methods(route)
        and not _has_record(route)
        and route.path not in NO_RECORD_POSTS
    }
    assert unswept == set()


@pytest.mark.parametrize(("own", "other"), [(MET, GMP), (GMP, MET)])
def test_a_force_user_never_reaches_another_forces_record(site: Site, own: str, other: str) -> None:
    for user in site.users_of(own):
        client = browser(site, user)
        csrf = csrf_token(client)
        waiting = {  # the coordinator's unallocated subject: no force's yet
            "subject_id": site.subjects[COORDINATOR_CODE][0],
            "referral_id": site.referrals[COORDINATOR_CODE][0],
            "referral_file_id": site.referral_files[COORDINATOR_CODE][0],
        }
        national = {"referral_file_id": site.referral_files[own][0]}  # even its own referral's
        asked = [_ids(site, other, i) for i in range(2)] + [waiting, national]
        assert set(asked[0]) == SWEPT_PARAMS
        for ids in asked:
            for method, route in _record_routes():
                url = _url(route, ids)
                if url is None:
                    continue
                response = _request(client, csrf, method, route, url)
                assert response.status_code == 404, (user, method, url, response.text)
                assert other not in response.text, (user, method, url)
                assert not any(m in response.text for m in site.markers[other])
        denied = _denials(site, user)
        expected = {
            (f"{RECORDS[name]}.denied", str(record_id))
            for ids in asked
            for name, record_id in ids.items()
            if name in RECORDS  # a device's refusal is audited under its case
        }
        assert expected <= denied, (user, expected - denied)


@pytest.mark.parametrize("own", [MET, GMP])
def test_lists_and_dashboards_show_only_the_users_force(site: Site, own: str) -> None:
    other = GMP if own == MET else MET
    for user in site.users_of(own):
        client = browser(site, user)
        for route in all_routes():
            if "GET" not in _methods(route) or route.path == "/sign-in":
                continue
            if _has_record(route) or set(route.param_convertors) - {"name"}:
                continue  # record routes are swept above; jobs have their own tests
            path = route.path.format(name=OPERATION)
            response = client.get(path, params=LIST_PARAMS)
            assert response.status_code in (200, 403), (user, path, response.text)
            leaked = [m for m in site.markers[other] if m in response.text]
            assert leaked == [], (user, path)
        api_cases = client.get("/api/v1/cases").json()
        assert {case["force"] for case in api_cases} == {own}


def test_the_coordinators_users_see_every_forces_records(site: Site) -> None:
    for user in site.users_of(COORDINATOR_CODE):
        client = browser(site, user)
        for force in (MET, GMP):
            for case_id in site.cases[force]:
                page = client.get(f"/cases/{case_id}")
                assert page.status_code == 200 and force in page.text
                assert client.get(f"/api/v1/cases/{case_id}").json()["force"] == force
            for package_id in site.packages[force]:
                assert client.get(f"/api/v1/packages/{package_id}").status_code == 200
            for subject_id in site.subjects[force]:
                assert client.get(f"/api/v1/subjects/{subject_id}").json()["force"] == force
            shown = "".join(client.get(f"/packages/{p}").text for p in site.packages[force])
            shown += "".join(client.get(f"/subjects/{s}").text for s in site.subjects[force])
            shown += "".join(client.get(f"/referrals/{r}").text for r in site.referrals[force])
            assert all(shown.count(m) >= 3 for m in site.markers[force])  # a leak would show
        assert _denials(site, user) == set()


def test_refused_writes_name_the_rule(site: Site) -> None:
    """Inside its own force, a role that may not record on a case is refused (403, audited)."""
    user = next(u for u in site.users_of(MET) if u.endswith(".auditor"))
    client = browser(site, user)
    case_id = site.cases[MET][0]
    response = client.post(
        f"/api/v1/cases/{case_id}/advance",
        json={"state": "researching"},
        headers={"X-CSRF-Token": csrf_token(client)},
    )
    assert response.status_code == 403
    assert re.search(
        r"needs one of these roles in a police force: force-supervisor, investigator",
        response.json()["detail"],
    )
    with site.db.unit_of_work() as session:
        refused = session.query(AuditEntry).filter(
            AuditEntry.actor == user, AuditEntry.action == "case.refused"
        )
        assert [entry.record_id for entry in refused] == [str(case_id)]

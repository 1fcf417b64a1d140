"""The operation page: a referrals file taken in, graded, resolved and allocated through the
pages, each as a job followed to its end; postcode data loaded the same way; force users
refused."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from fastapi.testclient import TestClient

from footprint.geo.forces import COORDINATOR_CODE
from footprint.security.roles import Role
from tests.operations.cases_setup import MET, OPERATION
from tests.operations.samples import lone_referral, referral
from tests.web.site import Site, browser, csrf_token, username

COORDINATOR = username(COORDINATOR_CODE, Role.COORDINATOR)
PAGE = f"/operations/{OPERATION}"


def _job(client: TestClient, response: Any) -> dict[str, Any]:
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/jobs/(\d+)", response.headers["location"])
    assert found is not None
    deadline = time.monotonic() + 600  # bounds a failure only
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/api/v1/jobs/{found.group(1)}").json()
        if job["status"] != "running":
            assert client.get(f"/jobs/{found.group(1)}").status_code == 200
            return job
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


def _post(client: TestClient, path: str, **extra: Any) -> Any:
    files = extra.pop("files", None)
    data = {"csrf_token": csrf_token(client)} | extra
    return client.post(path, data=data, files=files, follow_redirects=False)


def test_referrals_go_from_a_file_to_forces_through_the_page(site: Site) -> None:
    client = browser(site, COORDINATOR)
    before = client.get(PAGE)
    assert before.status_code == 200 and "referrals not resolved" in before.text
    docs = [lone_referral(n) for n in range(9001, 9006)]
    docs.append(referral(9006, files="not a list"))  # one bad record among good ones
    upload = ("tips.json", json.dumps(docs).encode(), "application/json")
    taken = _job(client, _post(client, f"{PAGE}/referrals", files={"file": upload}))
    assert taken["status"] == "done", taken
    assert taken["outcome"]["imported"] == 5 and taken["outcome"]["skipped"] == 1
    assert "record 6: files" in taken["outcome"]["skipped_records"][0]
    graded = _job(client, _post(client, f"{PAGE}/grade", sets=["known"]))
    assert graded["status"] == "done" and graded["outcome"]["files graded"] >= 5  # and older
    resolved = _job(client, _post(client, f"{PAGE}/resolve"))
    assert resolved["outcome"]["subjects created"] == 5
    waiting = _job(client, _post(client, f"{PAGE}/allocate"))
    assert waiting["outcome"]["left in the queue"] >= 5  # no postcode data yet
    table = ("areas.csv", b"postcode,pfa\nSW1A 1AA,E23000001\n", "text/csv")
    loaded = _job(client, _post(client, "/postcodes", format="table", files={"file": table}))
    assert loaded["status"] == "done" and loaded["outcome"]["loaded"] == 1
    placed = _job(client, _post(client, f"{PAGE}/allocate"))
    assert placed["outcome"]["per force"][MET] >= 5
    after = client.get(PAGE).text
    assert after.count('href="/jobs/') >= 6


def test_force_users_may_not_work_the_operation(site: Site) -> None:
    client = browser(site, username(MET, Role.FORCE_SUPERVISOR))
    assert client.get(PAGE).status_code == 403
    upload = {"file": ("tips.json", b"[]", "application/json")}
    for path, extra in (
        (f"{PAGE}/referrals", {"files": upload}),
        (f"{PAGE}/grade", {"sets": ["known"]}),
        (f"{PAGE}/resolve", {}),
        (f"{PAGE}/allocate", {}),
        ("/postcodes", {"files": upload}),
    ):
        refused = _post(client, path, **extra)
        assert refused.status_code == 403, path
        assert "coordinator" in refused.text
    assert (
        not list((site.settings.var_dir / "uploads").glob("*"))
        if (site.settings.var_dir / "uploads").exists()
        else True
    )


def test_grading_needs_a_set_and_an_unknown_operation_is_refused(site: Site) -> None:
    client = browser(site, COORDINATOR)
    no_sets = _post(client, f"{PAGE}/grade")
    assert no_sets.status_code == 422 and "sets" in no_sets.text
    unknown = _post(client, "/operations/No Such Operation/resolve")
    assert unknown.status_code == 404

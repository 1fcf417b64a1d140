"""Every upload route fed hostile files through the pages, as a signed-in user with the right
role would send them: the answer is a job or a 4xx, never a 5xx; the job ends, failed or done,
with a message naming the file as uploaded (never a server path); no upload is left behind;
and the server answers the next request."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footprint.geo.forces import COORDINATOR_CODE
from footprint.security.roles import Role
from tests.fuzz.mutations import hostile_variants
from tests.hashsets.vics_samples import md5_of
from tests.operations.cases_setup import MET, OPERATION
from tests.operations.samples import referral
from tests.web.site import Site, browser, csrf_token, job_ended, username

ROUTES = {
    "hash sets": ("/hash-sets/import", {"set_name": "fuzzed"}),
    "referrals": (f"/operations/{OPERATION}/referrals", {}),
    "postcodes": ("/postcodes", {"format": "table"}),
}
SAMPLES = {
    "hash sets": f"md5,category\n{md5_of(1)},A\n".encode(),
    "referrals": json.dumps([referral(70_001)]).encode(),
    "postcodes": f"postcode,pfa\nSW1A 1AA,{MET}\n".encode(),
}
UPLOADS = settings(
    max_examples=6,  # each upload is imported by a process of its own
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("route", list(ROUTES))
@UPLOADS
@given(data=st.data())
def test_an_upload_route_survives_any_file(route: str, data: st.DataObject, site: Site) -> None:
    client = browser(site, username(COORDINATOR_CODE, Role.COORDINATOR))
    path, fields = ROUTES[route]
    content = data.draw(hostile_variants(SAMPLES[route]), label="content")
    answer = client.post(
        path,
        data={"csrf_token": csrf_token(client)} | fields,
        files={"file": ("hostile.upload", content, "application/octet-stream")},
        follow_redirects=False,
    )
    assert answer.status_code in (303, 400, 413, 422), answer.status_code
    if answer.status_code == 303:
        assert re.fullmatch(r"/jobs/\d+", answer.headers["location"])
        job = job_ended(client, answer.headers["location"].rsplit("/", 1)[1])
        assert job["status"] in ("done", "failed"), job
        error = job["outcome"].get("error")
        if job["status"] == "failed":
            assert error and "hostile.upload" in error and str(site.settings.var_dir) not in error
    assert not list((site.settings.var_dir / "uploads").glob("*"))  # removed when it ended
    assert client.get("/api/v1/me").status_code == 200  # still serving

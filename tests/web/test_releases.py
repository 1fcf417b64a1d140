"""Releases of figures from the web: the coordinator publishes, sees every release with its
digest and downloads any as it was published (audited); a release open to differencing is
refused until a reason is given; nobody else reaches any of it."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from sqlalchemy import select

from footprint.geo.forces import COORDINATOR_CODE
from footprint.operations.figures import release_digest
from footprint.security.roles import Role
from footprint.store.models import AuditEntry
from tests.operations.cases_setup import MET, OPERATION, open_cases
from tests.web.site import Site, audited, browser, csrf_token, machine, username

COORDINATOR = username(COORDINATOR_CODE, Role.COORDINATOR)


def test_the_coordinator_publishes_and_downloads_releases(site: Site) -> None:
    client = browser(site, COORDINATOR)
    page = client.get("/figures", params={"operation": OPERATION})
    assert page.status_code == 200 and f"<td>{site.publication}</td>" in page.text
    form = {"csrf_token": csrf_token(client), "operation": OPERATION}
    published = client.post("/figures/releases", data=form, follow_redirects=False)
    assert published.status_code == 303  # nothing moved since the site's release: no risk
    found = re.search(r"released=(\d+)", published.headers["location"])
    assert found is not None
    released = int(found.group(1))
    shown = client.get(published.headers["location"]).text
    assert f"Release {released} published" in shown
    assert f'href="/figures/releases/{released}?format=csv"' in shown
    download = client.get(f"/figures/releases/{released}", params={"format": "csv"})
    assert download.status_code == 200 and download.text.startswith("force_code,force_name")
    assert "attachment" in download.headers["content-disposition"]
    as_json = client.get(f"/figures/releases/{released}", params={"format": "json"})
    digest = release_digest(json.loads(as_json.text))
    assert digest in shown  # the digest the release is known by, on the page
    with site.db.unit_of_work() as session:
        entry = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "figures.download", AuditEntry.record_id == str(released))
            .order_by(AuditEntry.seq)
        ).first()
        assert entry is not None and entry.actor == COORDINATOR
        assert entry.detail["sha256"] == hashlib.sha256(download.text.encode()).hexdigest()


def test_a_release_open_to_differencing_waits_for_a_reason(site: Site, tmp_path: Path) -> None:
    open_cases(site.db, tmp_path, [MET] * 6)  # enough packages for the Met's count to show
    client = browser(site, COORDINATOR)
    api = machine(site, COORDINATOR)
    baseline = api.post(
        f"/api/v1/operations/{OPERATION}/releases", json={"override_reason": "baseline"}
    )
    assert baseline.status_code == 200, baseline.text
    before = len(api.get(f"/api/v1/operations/{OPERATION}/releases").json())
    open_cases(site.db, tmp_path, [MET])  # one more: the release would show a change of 1
    form = {"csrf_token": csrf_token(client), "operation": OPERATION}
    refused = client.post("/figures/releases", data=form)
    assert refused.status_code == 409 and "Not released" in refused.text
    assert f"{MET}/packages_issued: changed by 1" in refused.text
    assert 'name="override_reason"' in refused.text
    assert len(api.get(f"/api/v1/operations/{OPERATION}/releases").json()) == before
    refused_api = api.post(f"/api/v1/operations/{OPERATION}/releases", json={})
    assert refused_api.status_code == 409 and "override_reason" in refused_api.json()["detail"]
    reason = {"override_reason": "quarterly report to the board"}
    made = api.post(f"/api/v1/operations/{OPERATION}/releases", json=reason)
    assert made.status_code == 200, made.text
    kept = made.json()
    assert kept["override_reason"] == "quarterly report to the board" and len(kept["sha256"]) == 64
    assert (
        api.get(f"/api/v1/releases/{kept['id']}").json()["override_reason"]
        == reason["override_reason"]
    )
    assert audited(site.db, "figures.publish", COORDINATOR, kept["id"])


def test_nobody_but_the_coordinator_reaches_releases(site: Site) -> None:
    for user in (username(MET, Role.FORCE_SUPERVISOR), username(COORDINATOR_CODE, Role.AUDITOR)):
        api = machine(site, user)
        listing = api.get(f"/api/v1/operations/{OPERATION}/releases")
        assert listing.status_code in (403, 404), user
        answer = api.get(f"/api/v1/releases/{site.publication}")
        assert answer.status_code in (403, 404) and "force_code" not in answer.text
        client = browser(site, user)
        page = client.post(
            "/figures/releases", data={"csrf_token": csrf_token(client), "operation": OPERATION}
        )
        assert page.status_code in (403, 404), user

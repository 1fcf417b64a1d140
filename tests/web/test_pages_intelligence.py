"""The coordinator's pages through an HTTP client: referrals queue and referral, subject page,
allocation queue, allocating, assessing and issuing from the subject page, transferring a
package, the identifier look-up."""

from __future__ import annotations

import re
from pathlib import Path

from footprint.geo.forces import COORDINATOR_CODE
from footprint.security.roles import Role
from tests.operations.cases_setup import GMP, KENT, MET, OPERATION
from tests.web.site import Site, audited, browser, csrf_token, username, waiting_subject

COORDINATOR = username(COORDINATOR_CODE, Role.COORDINATOR)


def test_the_referrals_queue_links_referrals_and_subjects(site: Site) -> None:
    client = browser(site, COORDINATOR)
    queue = client.get("/referrals", params={"operation": OPERATION})
    assert queue.status_code == 200
    for referral_id in site.referrals[MET] + site.referrals[GMP]:
        assert f'href="/referrals/{referral_id}"' in queue.text
    unresolved = client.get("/referrals", params={"waiting": "unresolved"})
    assert 'href="/subjects/' not in unresolved.text.split("<tbody>")[1]
    referral = client.get(f"/referrals/{site.referrals[GMP][0]}")
    assert f'href="/subjects/{site.subjects[GMP][0]}"' in referral.text
    assert "never imagery" in referral.text and "<img" not in referral.text
    refused = browser(site, username(GMP, Role.ANALYST)).get("/referrals")
    assert refused.status_code == 403 and "national coordinator" in refused.text


def test_the_subject_page_shows_identifiers_evidence_and_links(site: Site) -> None:
    subject_id = site.subjects[MET][0]
    page = browser(site, username(MET, Role.INVESTIGATOR)).get(f"/subjects/{subject_id}")
    assert page.status_code == 200
    assert f'href="/packages/{site.packages[MET][0]}"' in page.text
    assert f'href="/referrals/{site.referrals[MET][0]}"' in page.text
    assert "No other subject shares an identifier." in page.text
    assert 'href="/identifiers?kind=phone' in page.text
    assert "Issue a package" not in page.text  # the coordinator's button only
    assert audited(site.db, "subject.read", username(MET, Role.INVESTIGATOR), subject_id)


def test_allocate_assess_issue_and_transfer_through_the_pages(site: Site, tmp_path: Path) -> None:
    subject_id = waiting_subject(site.db, tmp_path)
    national = browser(site, COORDINATOR)
    queue = national.get("/allocation", params={"operation": OPERATION})
    assert f'action="/subjects/{subject_id}/assign"' in queue.text
    no_reason = national.post(
        f"/subjects/{subject_id}/assign",
        data={"force": GMP, "reason": " ", "csrf_token": csrf_token(national)},
    )
    assert no_reason.status_code == 422 and "needs a reason" in no_reason.text
    done = national.post(
        f"/subjects/{subject_id}/assign",
        data={"force": GMP, "reason": "address known", "csrf_token": csrf_token(national)},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/subjects/{subject_id}"
    assessed = national.post(
        f"/subjects/{subject_id}/risk",
        data={"factors": ["lives_with_children", "grooming"], "csrf_token": csrf_token(national)},
    )
    assert assessed.status_code == 200 and "lives with children" in assessed.text
    issued = national.post(
        f"/subjects/{subject_id}/package",
        data={"csrf_token": csrf_token(national)},
        follow_redirects=False,
    )
    assert issued.status_code == 303
    found = re.fullmatch(r"/packages/(\d+)", issued.headers["location"])
    assert found is not None
    package_id = int(found.group(1))
    supervisor = browser(site, username(GMP, Role.FORCE_SUPERVISOR))
    package = supervisor.get(f"/packages/{package_id}")
    assert f'action="/packages/{package_id}/transfer"' in package.text
    moved = supervisor.post(
        f"/packages/{package_id}/transfer",
        data={"to_force": KENT, "reason": "moved house", "csrf_token": csrf_token(supervisor)},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    assert supervisor.get(f"/packages/{package_id}").status_code == 404  # Kent's now
    assert audited(site.db, "package.transfer", username(GMP, Role.FORCE_SUPERVISOR), package_id)


def test_the_identifier_look_up_lists_every_appearance(site: Site) -> None:
    client = browser(site, username(GMP, Role.ANALYST))
    empty = client.get("/identifiers")
    assert empty.status_code == 200 and "<table>" not in empty.text
    missing = client.get("/identifiers", params={"kind": "email", "value": "nobody@example.org"})
    assert "Not found in any operation." in missing.text
    bad = client.get("/identifiers", params={"kind": "phone", "value": "not a phone"})
    assert bad.status_code == 422 and "value" in bad.text

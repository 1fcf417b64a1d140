"""Daily casework in the pages and the API: my tasks, tasks on a case, the officer in charge
handed on by a supervisor, and the case list's filters and orders."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from footprint.clock import service_day
from footprint.operations.allocation import assign_manually
from footprint.operations.assessments import assess_subject
from footprint.operations.intake import import_referrals
from footprint.operations.packages import issue_package
from footprint.operations.subjects import resolve_subjects
from footprint.security.actor import Actor
from footprint.security.roles import Role
from footprint.store.models import Referral, SubjectReferral
from tests.operations.cases_setup import GMP, MET, OPERATION
from tests.operations.samples import referral
from tests.web.site import Site, audited, browser, csrf_token, machine, username

INVESTIGATOR = username(MET, Role.INVESTIGATOR)
SUPERVISOR = username(MET, Role.FORCE_SUPERVISOR)
EXAMINER = username(MET, Role.FORENSIC_EXAMINER)
NAV = 'nav aria-label="Main"'


def test_my_tasks_lists_mine_and_one_is_marked_done_there(site: Site) -> None:
    client = browser(site, INVESTIGATOR)
    page = client.get("/tasks")
    assert page.status_code == 200 and "My tasks" in page.text
    for case_id in site.cases[MET]:
        assert f'href="/cases/{case_id}"' in page.text
    assert page.text.count("Visit the school") == 2
    assert not any(f'href="/cases/{c}"' in page.text for c in site.cases[GMP])
    task_id = site.tasks[MET][1]
    form = {"csrf_token": csrf_token(client), "note": "head teacher seen", "back": "tasks"}
    done = client.post(f"/tasks/{task_id}/done", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/tasks"
    assert client.get("/tasks").text.count("Visit the school") == 1
    finished = client.get("/tasks?done=true").text
    assert "head teacher seen" in finished and f"by {INVESTIGATOR}" in finished
    assert audited(site.db, "case.task-done", INVESTIGATOR, site.cases[MET][1])
    again = client.post(f"/tasks/{task_id}/done", data=form)
    assert again.status_code == 409 and NAV in again.text
    assert "My tasks" in again.text and "Not recorded: " in again.text  # the list, and why
    assert "already done" in again.text
    # from the case page, refused: the case again, its other open task's form untouched
    from_case = form | {"back": "case", "case_id": str(site.cases[MET][1])}
    refused = client.post(f"/tasks/{task_id}/done", data=from_case)
    assert refused.status_code == 409 and f"<h1>Case {site.cases[MET][1]} " in refused.text
    assert "already done" in refused.text


def test_only_those_who_oversee_look_at_someone_elses_tasks(site: Site) -> None:
    examiner = browser(site, EXAMINER)
    refused = examiner.get(f"/tasks?owner={INVESTIGATOR}")
    assert refused.status_code == 403 and NAV in refused.text
    supervisor = browser(site, SUPERVISOR).get(f"/tasks?owner={INVESTIGATOR}")
    assert supervisor.status_code == 200 and f"Tasks of {INVESTIGATOR}" in supervisor.text
    everyone = browser(site, SUPERVISOR).get("/tasks?owner=*")
    assert "Everyone's tasks" in everyone.text and "Visit the school" in everyone.text


def test_a_task_is_added_on_the_case_page_for_someone_in_the_force(site: Site) -> None:
    client = browser(site, INVESTIGATOR)
    case_id = site.cases[MET][0]
    page = client.get(f"/cases/{case_id}").text
    owners = re.findall(
        r'<option value="([^"]+)"', page.split('name="owner"')[1].split("</select>")[0]
    )
    assert INVESTIGATOR in owners and EXAMINER in owners
    assert username(GMP, Role.INVESTIGATOR) not in owners
    due = service_day() + timedelta(days=5)
    form = {
        "csrf_token": csrf_token(client),
        "title": "Image the laptop",
        "owner": EXAMINER,
        "due_on": due.isoformat(),
    }
    added = client.post(f"/cases/{case_id}/tasks", data=form, follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == f"/cases/{case_id}"
    assert "Image the laptop" in client.get(f"/cases/{case_id}").text
    mine = browser(site, EXAMINER).get("/tasks").text
    assert "Image the laptop" in mine and "Visit the school" not in mine
    late = form | {"due_on": (service_day() - timedelta(days=1)).isoformat()}
    refused = client.post(f"/cases/{case_id}/tasks", data=late)
    assert refused.status_code == 422 and "has passed" in refused.text and NAV in refused.text


def test_a_supervisor_hands_the_case_on_from_its_page(site: Site) -> None:
    case_id = site.cases[MET][0]
    investigator = browser(site, INVESTIGATOR)
    assert f'action="/cases/{case_id}/officer"' not in investigator.get(f"/cases/{case_id}").text
    client = browser(site, SUPERVISOR)
    page = client.get(f"/cases/{case_id}").text
    choices = page.split('name="officer"')[1].split("</select>")[0]
    assert INVESTIGATOR in choices and EXAMINER not in choices  # examiners do not lead cases
    form = {"csrf_token": csrf_token(client), "officer": INVESTIGATOR, "reason": "workload"}
    moved = client.post(f"/cases/{case_id}/officer", data=form, follow_redirects=False)
    assert moved.status_code == 303
    shown = client.get(f"/cases/{case_id}").text
    assert f"officer in charge <strong>{INVESTIGATOR}</strong>" in shown and "workload" in shown
    assert audited(site.db, "case.assign", SUPERVISOR, case_id)
    mine = investigator.get("/cases?mine=true").text
    assert f'<a href="/cases/{case_id}">' in mine
    assert f'<a href="/cases/{site.cases[MET][1]}">' not in mine
    refused = investigator.post(
        f"/cases/{case_id}/officer", data=form | {"csrf_token": csrf_token(investigator)}
    )
    assert refused.status_code == 403


def test_the_case_list_sorts_and_filters_by_choices(site: Site) -> None:
    client = browser(site, SUPERVISOR)
    page = client.get("/cases?sort=-case&state=received")
    assert page.status_code == 200
    first, second = sorted(site.cases[MET], reverse=True)
    assert page.text.index(f'href="/cases/{first}"') < page.text.index(f'href="/cases/{second}"')
    assert (
        'aria-sort="descending"' in page.text and "<option selected>received</option>" in page.text
    )
    assert 'href="/cases?state=received&amp;sort=case"' in page.text  # the header flips the order
    refused = client.get("/cases?state=asleep")
    assert refused.status_code == 422 and "state: &#39;asleep&#39; is not one of" in refused.text
    assert NAV in refused.text
    national = browser(site, username("NCA", Role.COORDINATOR)).get(f"/cases?force={GMP}")
    assert all(f'href="/cases/{c}"' in national.text for c in site.cases[GMP])
    assert not any(f'href="/cases/{c}"' in national.text for c in site.cases[MET])


def test_the_api_lists_sorts_and_records_casework(site: Site) -> None:
    api = machine(site, INVESTIGATOR)
    listed = api.get("/api/v1/cases", params={"sort": "-opened", "open": "true"})
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()] == sorted(site.cases[MET], reverse=True)
    assert {"officer", "risk_band", "opened_at"} <= set(listed.json()[0])
    bad = api.get("/api/v1/cases", params={"sort": "colour"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("sort: 'colour'")
    case_id = site.cases[MET][1]
    due = (service_day() + timedelta(days=2)).isoformat()
    body = {"title": "Chase the ISP", "owner": INVESTIGATOR, "due_on": due}
    view = api.post(f"/api/v1/cases/{case_id}/tasks", json=body)
    assert view.status_code == 200, view.text
    task = next(t for t in view.json()["tasks"] if t["title"] == "Chase the ISP")
    mine = api.get("/api/v1/tasks", params={"mine": "true"}).json()
    assert task["id"] in [t["id"] for t in mine]
    assert all(t["owner"] == INVESTIGATOR and t["done_at"] is None for t in mine)
    done = api.post(f"/api/v1/tasks/{task['id']}/done", json={"note": "answered"})
    assert done.status_code == 200 and done.json()["done_by"] == INVESTIGATOR
    other = machine(site, username(GMP, Role.INVESTIGATOR))
    assert other.post(f"/api/v1/tasks/{task['id']}/done", json={}).status_code == 404
    refused = api.post(
        f"/api/v1/cases/{case_id}/officer", json={"officer": INVESTIGATOR, "reason": "mine"}
    )
    assert refused.status_code == 403


def test_a_package_shows_what_to_act_on_and_acknowledging_goes_to_its_case(
    site: Site, tmp_path: Path
) -> None:
    path = tmp_path / "ip.json"
    path.write_text(json.dumps([referral(900)]))
    import_referrals(site.db, Actor.system(), OPERATION, path)
    resolve_subjects(site.db, Actor.system(), OPERATION)
    with site.db.unit_of_work() as session:
        subject_id = session.scalars(
            select(SubjectReferral.subject_id)
            .join(Referral, Referral.id == SubjectReferral.referral_id)
            .where(Referral.report_id == "TIP-000900")
        ).one()
    assign_manually(site.db, Actor.system(), subject_id, MET, "test allocation")
    assess_subject(site.db, Actor.system(), subject_id, {"lives_with_children"})
    package_id = issue_package(site.db, Actor.system(), subject_id).id
    client = browser(site, INVESTIGATOR)
    page = client.get(f"/packages/{package_id}").text
    assert "203.0.113.7" in page and "51234" in page
    assert "01 Oct 2026 13:00:00 BST" in page  # 12:00 UTC, as a force's officers read it
    assert 'datetime="2026-10-01T12:00:00+00:00"' in page
    assert "f900.jpg" in page and f"{900:032x}" in page and "not yet graded" in page
    listed = client.get("/packages?status=issued").text
    assert f'href="/packages/{package_id}"' in listed and "not acknowledged" in listed
    assert f'href="/packages/{site.packages[MET][0]}"' not in listed  # acknowledged already
    refused = client.get("/packages?due=late")
    assert refused.status_code == 422 and "due: &#39;late&#39; is not one of" in refused.text
    form = {"csrf_token": csrf_token(client)}
    done = client.post(f"/packages/{package_id}/acknowledge", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/cases/")
    case_page = client.get(done.headers["location"]).text
    assert f'href="/packages/{package_id}"' in case_page
    assert f"officer in charge <strong>{INVESTIGATOR}</strong>" in case_page
    assert done.headers["location"] in client.get(f"/packages/{package_id}").text


def test_one_search_box_across_the_operation(site: Site) -> None:
    client = browser(site, INVESTIGATOR)
    case_id = site.cases[MET][0]
    assert 'action="/search"' in client.get("/").text  # in every page's masthead
    page = client.get("/search", params={"q": f"case {case_id}"})
    assert page.status_code == 200 and f'<a href="/cases/{case_id}">case {case_id}</a>' in page.text
    other = client.get("/search", params={"q": f"case {site.cases[GMP][0]}"})
    assert "Nothing you may see matches" in other.text
    exhibits = client.get("/search", params={"q": "ex-1"}).text  # every case has an EX-1
    assert all(f"/cases/{c}/devices/" in exhibits for c in site.cases[MET])
    assert not any(f"/cases/{c}/devices/" in exhibits for c in site.cases[GMP])
    refused = client.get("/search", params={"q": " "})
    assert refused.status_code == 422 and "q: say what to look for" in refused.text
    api = machine(site, INVESTIGATOR).get("/api/v1/search", params={"q": f"case {case_id}"})
    assert [h["link"] for h in api.json()] == [f"/cases/{case_id}"]
    assert audited(site.db, "search", INVESTIGATOR, "*")


def test_notifications_call_out_what_is_due(site: Site) -> None:
    case_id = site.cases[MET][0]
    due = (service_day() + timedelta(days=1)).isoformat()
    body = {"title": "Call the school", "owner": INVESTIGATOR, "due_on": due}
    assert machine(site, INVESTIGATOR).post(f"/api/v1/cases/{case_id}/tasks", json=body).is_success
    client = browser(site, INVESTIGATOR)
    page = client.get("/notifications")
    assert page.status_code == 200 and "Call the school" in page.text
    assert f'href="/cases/{case_id}"' in page.text
    assert 'href="/notifications"' in client.get("/").text  # the dashboard points at them
    others = browser(site, username(GMP, Role.INVESTIGATOR)).get("/notifications").text
    assert "Call the school" not in others


def test_a_refused_form_comes_back_as_it_was_typed_with_the_reason_beside_it(
    site: Site,
) -> None:
    client = browser(site, INVESTIGATOR)
    case_id = site.cases[MET][1]
    future = (service_day() + timedelta(days=3)).isoformat()
    form = {"csrf_token": csrf_token(client), "address": "9 Future Road", "searched_on": future}
    refused = client.post(f"/cases/{case_id}/searches", data=form)
    assert refused.status_code == 422
    page = refused.text
    beside = page.index("Not recorded: searched_on:")
    search_form = page.index(f'action="/cases/{case_id}/searches"')
    assert beside < search_form and search_form - beside < 400  # right above its own form
    assert 'value="9 Future Road"' in page and f'value="{future}"' in page
    assert page.count("Not recorded:") == 1  # only beside the form that was sent
    assert 'name="title" maxlength="200" required value=""' in page  # other forms left empty
    late = {
        "csrf_token": csrf_token(client),
        "title": "Chase the <ISP>",
        "owner": EXAMINER,
        "due_on": "2020-01-01",
    }
    again = client.post(f"/cases/{case_id}/tasks", data=late).text
    assert 'value="Chase the &lt;ISP&gt;"' in again  # kept, and escaped
    assert f'<option value="{EXAMINER}" selected>' in again.replace("\n", "")
    assert "Not recorded: due_on: 2020-01-01 has passed" in again


def test_refused_forms_on_the_subject_and_package_pages_keep_what_was_typed(site: Site) -> None:
    coordinator = browser(site, username("NCA", Role.COORDINATOR))
    package_id = site.packages[GMP][0]
    form = {
        "csrf_token": csrf_token(coordinator),
        "to_force": GMP,  # where it already is
        "reason": "moved <away>",
    }
    refused = coordinator.post(f"/packages/{package_id}/transfer", data=form)
    assert refused.status_code in (409, 422), refused.text
    page = refused.text
    assert "Not recorded:" in page and 'value="moved &lt;away&gt;"' in page
    assert "<details open>" in page  # the transfer form is shown, not folded away
    subject_id = site.subjects[MET][0]
    override = {"csrf_token": csrf_token(coordinator), "band": "very-high", "reason": "   "}
    again = coordinator.post(f"/subjects/{subject_id}/risk/override", data=override)
    assert again.status_code == 422, again.text
    assert "Not recorded: reason" in again.text
    assert "<option selected>very-high</option>" in again.text

"""In a real browser: Playwright drives Debian's chromium against the app served by uvicorn on
loopback. Screenshots go to build/screenshots/."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn

from footprint.clock import service_day
from footprint.operations.bail import start_bail
from footprint.operations.cases import advance_case, get_case
from footprint.security.actor import Actor
from footprint.security.credentials import set_password
from footprint.security.roles import Role
from footprint.security.users import add_user
from footprint.store.models import ScanFile
from tests.conftest import REPO
from tests.operations.cases_setup import GMP, MET
from tests.web.site import PASSWORD, Site, audited, username

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO / "build" / "screenshots"

playwright_sync = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served(site: Site) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(site.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 300  # bounds a failure only
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("the app did not start within 300 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    with playwright_sync.sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: object) -> Iterator[object]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    yield context.new_page()
    context.close()


def _shot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def _sign_in(page: object, served: str, user: str) -> None:
    page.goto(f"{served}/sign-in")  # type: ignore[attr-defined]
    page.fill("input[name=username]", user)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(f"{served}/")  # type: ignore[attr-defined]


def test_sign_in_and_see_the_dashboard_with_its_charts(page: object, served: str) -> None:
    page.goto(f"{served}/")  # type: ignore[attr-defined]
    page.wait_for_url(f"{served}/sign-in?next=/")  # type: ignore[attr-defined]
    _shot(page, "01-sign-in")
    _sign_in(page, served, username("NCA", Role.COORDINATOR))
    heading = page.locator("h1").inner_text()  # type: ignore[attr-defined]
    assert heading == "National dashboard"
    charts = page.locator("svg.chart")  # type: ignore[attr-defined]
    assert charts.count() == 4  # risk bands, progress, packages and arrests per force
    assert charts.first.is_visible()
    per_force = page.locator('svg[aria-label="Packages issued per force"]')  # type: ignore[attr-defined]
    box = per_force.bounding_box()
    assert box is not None and box["height"] > 400  # 45 forces, one bar each
    _shot(page, "02-national-dashboard")


def test_take_a_case_from_received_to_charged(page: object, served: str, site: Site) -> None:
    _sign_in(page, served, username(MET, Role.INVESTIGATOR))
    case_id = site.cases[MET][1]
    page.goto(f"{served}/cases/{case_id}")  # type: ignore[attr-defined]
    steps = ["researching", "warrant-applied", "warrant-granted", "search-executed", "arrested"]
    for step in steps:
        page.select_option("select[name=state]", step)  # type: ignore[attr-defined]
        page.click("text=Record step")  # type: ignore[attr-defined]
        assert page.locator("h1 .state").inner_text() == step  # type: ignore[attr-defined]
    page.fill("form[action$='/children'] input[name=count]", "1")  # type: ignore[attr-defined]
    page.select_option("select[name=age_band]", "0-4")  # type: ignore[attr-defined]
    page.select_option("select[name=relationship]", "own-child")  # type: ignore[attr-defined]
    page.check("input[name=immediate_risk]")  # type: ignore[attr-defined]
    page.click("text=Record children")  # type: ignore[attr-defined]
    for kind in ("social-care-referral", "strategy-discussion", "parent-carer-alerted"):
        page.select_option("select[name=kind]", kind)  # type: ignore[attr-defined]
        page.fill("input[name=owner]", "DS Example")  # type: ignore[attr-defined]
        page.click("text=Record action")  # type: ignore[attr-defined]
    page.select_option("select[name=state]", "charged")  # type: ignore[attr-defined]
    page.click("text=Record step")  # type: ignore[attr-defined]
    assert page.locator("h1 .state").inner_text() == "charged"  # type: ignore[attr-defined]
    text = page.locator("main").inner_text()  # type: ignore[attr-defined]
    for kind in ("social-care-referral", "strategy-discussion", "parent-carer-alerted"):
        assert kind in text
    _shot(page, "03-case-charged")


def test_another_forces_record_is_refused(page: object, served: str, site: Site) -> None:
    user = username(MET, Role.FORCE_SUPERVISOR)
    _sign_in(page, served, user)
    other = site.cases[GMP][0]
    response = page.goto(f"{served}/cases/{other}")  # type: ignore[attr-defined]
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Not found"  # type: ignore[attr-defined]
    assert audited(site.db, "case.denied", user, other)
    _shot(page, "04-cross-force-refused")


def test_a_form_without_its_csrf_token_is_refused(page: object, served: str, site: Site) -> None:
    user = username(GMP, Role.INVESTIGATOR)
    _sign_in(page, served, user)
    case_id = site.cases[GMP][1]
    page.goto(f"{served}/cases/{case_id}")  # type: ignore[attr-defined]
    page.locator("form[action$='/advance'] input[name=csrf_token]").evaluate("e => e.remove()")  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click("text=Record step")  # type: ignore[attr-defined]
    assert "csrf_token: missing or wrong" in page.locator("main").inner_text()  # type: ignore[attr-defined]
    assert audited(site.db, "csrf.refused", user, f"POST /cases/{case_id}/advance")
    _shot(page, "05-csrf-refused")
    page.goto(f"{served}/cases/{case_id}")  # type: ignore[attr-defined]
    assert page.locator("h1 .state").inner_text() == "received"  # type: ignore[attr-defined]


def test_an_examiner_reviews_findings_with_blurred_thumbnails_and_reveals_one(
    page: object, served: str, site: Site
) -> None:
    examiner = username(GMP, Role.FORENSIC_EXAMINER)
    _sign_in(page, served, examiner)
    device = f"{served}/cases/{site.cases[GMP][0]}/devices/{site.devices[GMP][0]}"
    page.goto(device)  # type: ignore[attr-defined]
    assert page.locator("img").count() == 0  # type: ignore[attr-defined]  # none until asked
    page.check("input[name=thumbnails]")  # type: ignore[attr-defined]
    page.click("form[method=get] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url("**thumbnails=true")  # type: ignore[attr-defined]
    page.wait_for_load_state("load")  # type: ignore[attr-defined]  # images included
    thumbs = page.locator("img.thumb")  # type: ignore[attr-defined]
    assert thumbs.count() > 0
    loaded = thumbs.first.evaluate("img => img.complete && img.naturalWidth > 0")
    assert loaded  # served by the app itself, allowed by the Content Security Policy
    _shot(page, "06-findings-blurred-thumbnails")
    page.click("text=Reveal")  # type: ignore[attr-defined]
    page.wait_for_url("**reveal=true")  # type: ignore[attr-defined]
    page.wait_for_load_state("load")  # type: ignore[attr-defined]
    revealed = page.locator("img.thumb.revealed")  # type: ignore[attr-defined]
    assert revealed.count() == 1
    assert revealed.evaluate("img => img.complete && img.naturalWidth > 0")
    _shot(page, "07-finding-revealed")
    assert audited(site.db, "case.imagery-view", examiner, site.cases[GMP][0])


def _examiner(site: Site, name: str) -> str:
    with site.db.unit_of_work() as session:
        add_user(session, Actor.system(), name, MET, [Role.FORENSIC_EXAMINER])
        set_password(session, Actor.system(), name, PASSWORD)
    return name


def _group_status(page: object, index: int) -> str:
    group = page.locator("li.group").nth(index)  # type: ignore[attr-defined]
    return str(group.locator(".group-head .state").inner_text())


def _charging_a(site: Site) -> int:
    view = get_case(site.db, Actor.system(), site.cases[MET][0])
    return int(view.charging_summary["A"])


def test_examiners_grade_by_keyboard_reject_a_false_positive_and_settle(
    page: object, served: str, site: Site, chromium: object
) -> None:
    before = _charging_a(site)
    _sign_in(page, served, username(MET, Role.FORENSIC_EXAMINER))
    page.goto(f"{served}/grading")  # type: ignore[attr-defined]
    groups = page.locator("li.group")  # type: ignore[attr-defined]
    assert groups.count() == 3 and _group_status(page, 0) == "queued"
    first_files = groups.nth(0).get_attribute("data-files")
    assert page.locator("li.group.current").count() == 1  # type: ignore[attr-defined]
    _shot(page, "08-grading-queue")
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.keyboard.press("1")  # type: ignore[attr-defined]  # A, for the focused (first) group
    assert _group_status(page, 0) == "provisional"
    current = page.locator("li.group.current")  # type: ignore[attr-defined]
    assert current.get_attribute("data-files") == groups.nth(1).get_attribute("data-files")
    page.keyboard.press("x")  # type: ignore[attr-defined]  # select the second group...
    assert page.locator("#selected-count").inner_text() == "1"  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.keyboard.press("3")  # type: ignore[attr-defined]  # ...and grade the selection C
    assert _group_status(page, 1) == "provisional"
    assert "C" in groups.nth(1).locator("table").inner_text()
    page.keyboard.press("j")  # type: ignore[attr-defined]
    page.keyboard.press("r")  # type: ignore[attr-defined]  # reveal the focused group's pictures
    revealed = page.locator("li.group.current img.thumb[src*='reveal=true']")  # type: ignore[attr-defined]
    assert revealed.count() >= 1
    _shot(page, "09-grading-keyboard")
    # a match the examiner knows is wrong: rejected with a reason, it leaves the counts
    page.goto(f"{served}/grading?shown=matched")  # type: ignore[attr-defined]
    decide = page.locator("form.decide").first  # type: ignore[attr-defined]
    rejected_file = decide.locator("input[name=file]").get_attribute("value")
    decide.locator("input[name=reason]").fill("a holiday photograph")
    with page.expect_navigation():  # type: ignore[attr-defined]
        decide.locator("button[value=rejected]").click()
    page.goto(f"{served}/grading?shown=rejected")  # type: ignore[attr-defined]
    assert rejected_file in page.locator("main").inner_text()  # type: ignore[attr-defined]
    _shot(page, "10-false-positive-rejected")
    # the second and third examiners grade the first group A by keyboard: it settles
    for name in ("met.examiner-2", "met.examiner-3"):
        other = chromium.new_page()  # type: ignore[attr-defined]
        _sign_in(other, served, _examiner(site, name))
        other.goto(f"{served}/grading")
        other.locator(f'li.group[data-files="{first_files}"] .group-head strong').click()
        with other.expect_navigation():
            other.keyboard.press("1")
        other.close()
    page.goto(f"{served}/grading?shown=settled")  # type: ignore[attr-defined]
    settled = page.locator("li.group")  # type: ignore[attr-defined]
    assert settled.count() == 1 and settled.nth(0).get_attribute("data-files") == first_files
    _shot(page, "11-grade-settled")
    rejected_id = int(str(rejected_file).split(":")[1])
    with site.db.unit_of_work() as session:
        row = session.get_one(ScanFile, rejected_id)
        on_first_case = row.device_id == site.devices[MET][0] and row.match_category == "A"
    assert _charging_a(site) == before + 1 - on_first_case  # one settled A, one rejected


def test_a_device_withdrawn_in_error_and_the_file_for_the_prosecutor_printed(
    page: object, served: str, site: Site
) -> None:
    _sign_in(page, served, username(GMP, Role.INVESTIGATOR))
    case_id = site.cases[GMP][0]
    page.goto(f"{served}/cases/{case_id}")  # type: ignore[attr-defined]
    before = page.locator("main").inner_text()  # type: ignore[attr-defined]
    assert "Charging summary from seized devices: A 0," not in before  # the scan counts
    entry = page.locator("ul.entries li", has_text="Device EX-1")  # type: ignore[attr-defined]
    entry.locator("summary", has_text="Withdraw").click()
    entry.locator("input[name=reason]").fill("linked to the wrong exhibit")
    entry.locator("button", has_text="Withdraw this device").click()
    withdrawn = page.locator("ul.entries li.withdrawn", has_text="Device EX-1")  # type: ignore[attr-defined]
    assert "linked to the wrong exhibit" in withdrawn.inner_text()
    text = page.locator("main").inner_text()  # type: ignore[attr-defined]
    assert "Charging summary from seized devices: A 0, B 0, C 0" in text
    _shot(page, "12-device-withdrawn")
    page.click("text=File for the prosecutor")  # type: ignore[attr-defined]
    assert "Case file for the prosecutor" in page.locator("h1").inner_text()  # type: ignore[attr-defined]
    assert "linked to the wrong exhibit" in page.locator("main").inner_text()  # type: ignore[attr-defined]
    _shot(page, "13-case-file")
    page.emulate_media(media="print")  # type: ignore[attr-defined]
    assert not page.locator('nav[aria-label="Main"]').is_visible()  # type: ignore[attr-defined]
    assert page.locator("article.case-file").is_visible()  # type: ignore[attr-defined]
    _shot(page, "14-case-file-printed")
    assert audited(site.db, "case.withdraw", username(GMP, Role.INVESTIGATOR), case_id)


def test_a_supervisor_sorts_the_cases_hands_one_on_and_sets_a_task(
    page: object, served: str, site: Site
) -> None:
    _sign_in(page, served, username(MET, Role.FORCE_SUPERVISOR))
    page.goto(f"{served}/cases")  # type: ignore[attr-defined]
    page.click("th >> text=Risk")  # type: ignore[attr-defined]
    assert page.locator("th[aria-sort]").inner_text().startswith("Risk")  # type: ignore[attr-defined]
    page.select_option("select[name=state]", "received")  # type: ignore[attr-defined]
    page.click("form.filters button")  # type: ignore[attr-defined]
    assert "state=received" in page.url and "sort=risk" in page.url  # type: ignore[attr-defined]
    _shot(page, "15-cases-sorted-and-filtered")
    case_id = site.cases[MET][0]
    page.click(f"a[href='/cases/{case_id}']")  # type: ignore[attr-defined]
    investigator = username(MET, Role.INVESTIGATOR)
    page.select_option("form[action$='/officer'] select[name=officer]", investigator)  # type: ignore[attr-defined]
    page.fill("form[action$='/officer'] input[name=reason]", "workload")  # type: ignore[attr-defined]
    page.click("text=Reassign")  # type: ignore[attr-defined]
    header = page.locator("main p").first.inner_text()  # type: ignore[attr-defined]
    assert f"officer in charge {investigator}" in header
    page.fill("form[action$='/tasks'] input[name=title]", "Ring the head teacher")  # type: ignore[attr-defined]
    page.select_option("form[action$='/tasks'] select[name=owner]", investigator)  # type: ignore[attr-defined]
    tomorrow = (service_day() + timedelta(days=1)).isoformat()
    page.fill("form[action$='/tasks'] input[name=due_on]", tomorrow)  # type: ignore[attr-defined]
    page.click("text=Add task")  # type: ignore[attr-defined]
    assert "Ring the head teacher" in page.locator("table.tasks").inner_text()  # type: ignore[attr-defined]
    _shot(page, "16-case-handed-on-with-a-task")
    assert audited(site.db, "case.assign", username(MET, Role.FORCE_SUPERVISOR), case_id)


def test_an_investigator_works_through_notifications_and_tasks(
    page: object, served: str, site: Site
) -> None:
    user = username(MET, Role.INVESTIGATOR)
    _sign_in(page, served, user)
    page.click("nav >> text=Notifications")  # type: ignore[attr-defined]
    assert "Ring the head teacher" in page.locator("ul.notices").inner_text()  # type: ignore[attr-defined]
    _shot(page, "17-notifications")
    page.click("nav >> text=My tasks")  # type: ignore[attr-defined]
    row = page.locator("table.tasks tr", has_text="Ring the head teacher")  # type: ignore[attr-defined]
    row.locator("input[name=note]").fill("spoke to her; no concerns at school")
    row.locator("button", has_text="Done").click()
    page.wait_for_url(f"{served}/tasks")  # type: ignore[attr-defined]
    assert "Ring the head teacher" not in page.locator("main").inner_text()  # type: ignore[attr-defined]
    page.click("text=Tasks done")  # type: ignore[attr-defined]
    assert "no concerns at school" in page.locator("main").inner_text()  # type: ignore[attr-defined]
    _shot(page, "18-my-tasks-done")


def test_one_search_box_finds_an_exhibit(page: object, served: str, site: Site) -> None:
    _sign_in(page, served, username(MET, Role.INVESTIGATOR))
    page.fill("header input[name=q]", "ex-1")  # type: ignore[attr-defined]
    page.press("header input[name=q]", "Enter")  # type: ignore[attr-defined]
    page.wait_for_url(f"{served}/search?q=ex-1")  # type: ignore[attr-defined]
    found = page.locator("main table").inner_text()  # type: ignore[attr-defined]
    assert found.count("exhibit EX-1") == len(site.cases[MET])  # the Met's, not Manchester's
    _shot(page, "19-search")


def test_the_coordinator_releases_figures_and_sees_the_packages_overdue(
    page: object, served: str, site: Site
) -> None:
    _sign_in(page, served, username("NCA", Role.COORDINATOR))
    page.click("nav >> text=Figures")  # type: ignore[attr-defined]
    page.click("text=Publish this release")  # type: ignore[attr-defined]
    assert "published" in page.locator("p.notice").inner_text()  # type: ignore[attr-defined]
    digests = page.locator("table.releases code.digest")  # type: ignore[attr-defined]
    assert digests.count() >= 2 and len(digests.first.inner_text()) == 64
    _shot(page, "20-figures-released")
    page.goto(f"{served}/packages")  # type: ignore[attr-defined]
    page.select_option("select[name=due]", "awaiting")  # type: ignore[attr-defined]
    page.click("form.filters button")  # type: ignore[attr-defined]
    assert "due=awaiting" in page.url  # type: ignore[attr-defined]
    _shot(page, "21-packages-filtered")


def test_a_wrong_day_is_refused_beside_its_form_and_bail_is_listed_to_review(
    page: object, served: str, site: Site
) -> None:
    investigator = username(GMP, Role.INVESTIGATOR)
    case_id = site.cases[GMP][1]
    _sign_in(page, served, investigator)
    page.goto(f"{served}/cases/{case_id}")  # type: ignore[attr-defined]
    searches = "form[action$='/searches']"
    page.fill(f"{searches} input[name=address]", "9 Example Close")  # type: ignore[attr-defined]
    page.fill(f"{searches} input[name=searched_on]", "2099-01-01")  # type: ignore[attr-defined]
    page.click(f"{searches} button[type=submit]")  # type: ignore[attr-defined]
    refusal = page.locator("p.field-error").inner_text()  # type: ignore[attr-defined]
    assert "searched_on" in refusal and "in the future" in refusal, refusal
    typed = page.input_value(f"{searches} input[name=address]")  # type: ignore[attr-defined]
    day = page.input_value(f"{searches} input[name=searched_on]")  # type: ignore[attr-defined]
    assert (typed, day) == ("9 Example Close", "2099-01-01")
    assert "Searched 9 Example Close" not in page.locator("main").inner_text()  # type: ignore[attr-defined]
    _shot(page, "22-future-day-refused-as-typed")
    actor = Actor(investigator, GMP, frozenset({Role.INVESTIGATOR}))
    for step in (
        "researching",
        "warrant-applied",
        "warrant-granted",
        "search-executed",
        "arrested",
    ):
        advance_case(site.db, actor, case_id, step)
    start_bail(site.db, actor, case_id, service_day(), ["reside-at-address"], "Insp A Smith")
    page.goto(f"{served}/bail?within=100")  # type: ignore[attr-defined]
    row = page.locator(f"main table tr:has(a[href='/cases/{case_id}'])")  # type: ignore[attr-defined]
    assert "Greater Manchester" in row.inner_text() and "superintendent" in row.inner_text()
    _shot(page, "23-bail-due")
    row.locator("a").click()
    page.wait_for_url(f"{served}/cases/{case_id}")  # type: ignore[attr-defined]
    page.emulate_media(media="print")  # type: ignore[attr-defined]
    for printed in (f"/cases/{case_id}", f"/packages/{site.packages[GMP][1]}"):
        page.goto(f"{served}{printed}")  # type: ignore[attr-defined]
        assert not page.locator('nav[aria-label="Main"]').is_visible()  # type: ignore[attr-defined]
        assert not page.locator("main form").first.is_visible()  # type: ignore[attr-defined]
        assert page.locator("main h1").is_visible()  # type: ignore[attr-defined]
    _shot(page, "24-package-printed")

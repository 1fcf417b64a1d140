"""Grading in the web app: a force's queue of its seized devices' files (a real scan of benign
evidence linked to two devices per force), votes that settle and change the charging summary, a
match rejected as a false positive and undone, pictures for examiners only, and every grading
call refused for another force's files (the calls name their files in the body, so the route
sweep cannot reach them: this module sends each one every other force's file)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from footprint.hashsets.store import NEGATIVE_BANK, KnownHashStore
from footprint.security.actor import Actor
from footprint.security.credentials import set_password
from footprint.security.roles import Role
from footprint.security.users import add_user
from footprint.store.models import GradingVoteRow
from footprint.web.app import all_routes
from tests.operations.cases_setup import GMP, MET
from tests.web.site import PASSWORD, Site, audited, browser, csrf_token, machine, username

EXAMINERS = [f"{MET.lower()}-examiner-{n}" for n in (2, 3)]  # second and third graders


def _post(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json=body, headers={"X-CSRF-Token": csrf_token(client)})


def _queue(client: TestClient, **params: str) -> dict[str, Any]:
    answer = client.get("/api/v1/grading/queue", params=params)
    assert answer.status_code == 200, answer.text
    queue: dict[str, Any] = answer.json()
    return queue


def _charging(site: Site, force: str) -> dict[str, int]:
    client = machine(site, username(force, Role.INVESTIGATOR))
    case: dict[str, Any] = client.get(f"/api/v1/cases/{site.cases[force][0]}").json()
    return dict(case["charging_summary"])


def test_a_forces_queue_holds_its_own_devices_unknown_files(site: Site) -> None:
    client = browser(site, username(MET, Role.FORENSIC_EXAMINER))
    queue = _queue(client)
    assert queue["origin"] == "scan" and queue["may_vote"] and queue["may_see_imagery"]
    files = [f for g in queue["groups"] for f in g["files"]]
    # the same three unknown pictures on both devices: one group each, the two copies in it
    assert (queue["total_files"], queue["total_groups"]) == (6, 3)
    assert all(len(g["files"]) == 2 for g in queue["groups"])
    assert {f["file"] for f in files} <= {f"scan:{i}" for i in site.scan_files[MET]}
    assert {f["status"] for f in files} == {"queued"}
    assert [c["key"] for c in queue["choices"]] == ["1", "2", "3", "4", "5", "6"]
    matched = _queue(client, shown="matched")
    assert matched["total_files"] == 18  # 9 matched files on each of the two devices
    investigator = browser(site, username(MET, Role.INVESTIGATOR))
    assert investigator.get("/api/v1/grading/queue").status_code == 403
    national = browser(site, username("NCA", Role.ANALYST))
    assert _queue(national)["origin"] == "referral"
    assert _queue(national, origin="scan")["total_files"] == 12  # both forces'


def test_three_examiners_settle_a_group_and_the_charging_summary_counts_it(site: Site) -> None:
    before = _charging(site, MET)
    first = browser(site, username(MET, Role.FORENSIC_EXAMINER))
    group = _queue(first)["groups"][0]
    files = [f["file"] for f in group["files"]]
    graders = [first]
    for name in EXAMINERS:
        with site.db.unit_of_work() as session:
            add_user(session, Actor.system(), name, MET, [Role.FORENSIC_EXAMINER])
            set_password(session, Actor.system(), name, PASSWORD)
        graders.append(browser(site, name))
    statuses = []
    for client in graders:
        answer = _post(client, "/api/v1/grading/votes", {"files": files, "category": "A"})
        assert answer.status_code == 200, answer.text
        statuses.append({view["status"] for view in answer.json()})
    assert statuses == [{"provisional"}, {"provisional"}, {"settled"}]
    after = _charging(site, MET)
    assert after["A"] == before["A"] + 1  # the first case's device holds one of the two
    assert all(
        audited(site.db, "scan_file.vote", username(MET, Role.FORENSIC_EXAMINER), f[5:])
        for f in files
    )
    settled = _queue(first, shown="settled")
    assert [g["category"] for g in settled["groups"]] == ["A"]


def test_a_false_positive_is_rejected_suppressed_and_undone(site: Site) -> None:
    client = browser(site, username(GMP, Role.FORENSIC_EXAMINER))
    before = _charging(site, GMP)
    matched = _queue(client, shown="matched")["groups"][0]["files"][0]
    refused = _post(
        client, "/api/v1/grading/decisions", {"file": matched["file"], "decision": "rejected"}
    )
    assert refused.status_code == 422 and "reason" in refused.json()["detail"]
    answer = _post(
        client,
        "/api/v1/grading/decisions",
        {"file": matched["file"], "decision": "rejected", "reason": "a holiday photograph"},
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["decision"]) == ("queued", "rejected")
    after = _charging(site, GMP)
    category = matched["hint"].split("(")[1][0]
    assert after[category] == before[category] - (
        1 if matched["where"].startswith(f"case {site.cases[GMP][0]} ") else 0
    )
    store = KnownHashStore(site.settings.hashset_store)
    try:
        bank = store.get_set(NEGATIVE_BANK)
        assert bank.records == 1 and bank.kind == "ignore"
        matcher, _ = store.open_matcher([])
        result = matcher.match({"md5": [matched["md5"]]})
        assert [m.set for m in result.matches] == [NEGATIVE_BANK]
    finally:
        store.close()
    rejected = _queue(client, shown="rejected")
    assert [f["file"] for g in rejected["groups"] for f in g["files"]] == [matched["file"]]
    undone = _post(client, "/api/v1/grading/decisions/undo", {"file": matched["file"]})
    assert undone.status_code == 200 and undone.json()["status"] == "matched"
    assert _charging(site, GMP) == before
    examiner = username(GMP, Role.FORENSIC_EXAMINER)
    file_id = matched["file"][5:]
    assert audited(site.db, "scan_file.match-rejected", examiner, file_id)
    assert audited(site.db, "scan_file.match-undo", examiner, file_id)


def test_pictures_are_for_examiners_blurred_until_revealed_and_audited(site: Site) -> None:
    examiner = username(MET, Role.FORENSIC_EXAMINER)
    client = browser(site, examiner)
    file_id = _queue(client)["groups"][0]["files"][0]["file"][5:]
    url = f"/grading/scan-files/{file_id}/thumbnail"
    blurred, revealed = client.get(url), client.get(url, params={"reveal": "true"})
    assert blurred.status_code == revealed.status_code == 200
    assert blurred.headers["content-type"] == "image/png" and blurred.content != revealed.content
    assert Image.open(io.BytesIO(blurred.content)).mode == "L"  # greyscale
    assert audited(site.db, "scan_file.imagery-view", examiner, file_id)
    supervisor = browser(site, username(MET, Role.FORCE_SUPERVISOR))
    assert supervisor.get(url).status_code == 403  # reads the queue, never the pictures
    page = client.get("/grading")
    assert (
        page.status_code == 200
        and f'src="{url}"' in page.text
        and "/static/grading.js" in page.text
    )
    assert f'src="{url}"' not in supervisor.get("/grading").text


Body = Callable[[str], dict[str, Any]]  # the file named -> a valid body for the call
GRADING_POSTS: dict[str, Body] = {
    "/api/v1/grading/votes": lambda f: {"files": [f], "category": "A"},
    "/api/v1/grading/resolutions": lambda f: {"file": f, "category": "A", "reason": "x"},
    "/api/v1/grading/decisions": lambda f: {"file": f, "decision": "rejected", "reason": "x"},
    "/api/v1/grading/decisions/undo": lambda f: {"file": f},
    "/api/v1/grading/flags": lambda f: {"files": [f], "series": "sweep", "reason": "x"},
}
PAGE_POSTS = {path.removeprefix("/api/v1"): body for path, body in GRADING_POSTS.items()}


@pytest.mark.parametrize(("own", "other"), [(MET, GMP), (GMP, MET)])
def test_no_grading_call_reaches_another_forces_file(site: Site, own: str, other: str) -> None:
    posts = {
        r.path
        for r in all_routes()
        if r.path.startswith(("/api/v1/grading", "/grading")) and "POST" in (r.methods or ())
    }
    assert posts == set(GRADING_POSTS) | set(PAGE_POSTS)  # a new call joins this test
    theirs = [f"scan:{site.scan_files[other][0]}", f"referral:{site.referral_files[own][0]}"]
    for user in site.users_of(own):
        client = browser(site, user)
        token = csrf_token(client)
        for file in theirs:
            for path, body in GRADING_POSTS.items():
                answer = client.post(path, json=body(file), headers={"X-CSRF-Token": token})
                assert answer.status_code == 404, (user, path, answer.text)
                assert other not in answer.text
            for path, body in PAGE_POSTS.items():
                form = body(file) | {"csrf_token": token}
                if "files" in form:
                    form["files"] = form["files"][0]
                answer = client.post(path, data=form, follow_redirects=False)
                assert answer.status_code == 404, (user, path, answer.text)
        origin, number = theirs[0].split(":")
        assert audited(site.db, f"{origin}_file.denied", user, number)
    with site.db.unit_of_work() as session:
        assert (
            session.query(GradingVoteRow)
            .filter(GradingVoteRow.grader.in_(site.users_of(own)))
            .filter(GradingVoteRow.scan_file_id == site.scan_files[other][0])
            .count()
            == 0
        )


def test_the_page_grades_by_form_and_comes_back(site: Site) -> None:
    client = browser(site, username(GMP, Role.FORENSIC_EXAMINER))
    group = _queue(client)["groups"][0]
    form = {
        "files": [f["file"] for f in group["files"]],
        "category": "non-pertinent",
        "back": "/grading#g-next",
        "csrf_token": csrf_token(client),
    }
    answer = client.post("/grading/votes", data=form, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/grading#g-next"
    files = {f["file"]: f for g in _queue(client)["groups"] for f in g["files"]}
    assert all(files[f]["status"] == "provisional" for f in form["files"])
    form["category"] = "Z"
    again = client.post("/grading/votes", data=form)
    assert again.status_code == 422 and "category" in again.text and "Grading" in again.text
    form["back"] = "//elsewhere.example"
    form["category"] = "C"
    assert (
        client.post("/grading/votes", data=form, follow_redirects=False).headers["location"] == "/"
    )


def test_settled_files_are_new_material_flagged_listed_and_exported(site: Site) -> None:
    first = browser(site, username(MET, Role.FORENSIC_EXAMINER))
    group = _queue(first)["groups"][0]
    files = [f["file"] for f in group["files"]]
    graders = [first]
    for name in ("met-flagger-2", "met-flagger-3"):
        with site.db.unit_of_work() as session:
            add_user(session, Actor.system(), name, MET, [Role.FORENSIC_EXAMINER])
            set_password(session, Actor.system(), name, PASSWORD)
        graders.append(browser(site, name))
    for client in graders:
        assert _post(client, "/api/v1/grading/votes", {"files": files, "category": "B"}).is_success
    listed = first.get("/api/v1/grading/new-material")
    assert listed.status_code == 200, listed.text
    assert set(files) <= {item["file"] for item in listed.json()}
    ours = [item for item in listed.json() if item["file"] in files]
    # every hash the scan found goes with the file, not only the two its row keeps
    assert all({"md5", "sha1", "sha256"} <= set(item["signals"]) for item in ours)
    flagged = _post(
        first,
        "/api/v1/grading/flags",
        {"files": files, "victim_identified": True, "series": "Harbour", "reason": "CEOP says"},
    )
    assert flagged.status_code == 200, flagged.text
    assert {(v["victim_identified"], v["series"], v["new_material"]) for v in flagged.json()} == {
        (True, "Harbour", True)
    }
    assert audited(site.db, "scan_file.flags", username(MET, Role.FORENSIC_EXAMINER), files[0][5:])
    other_force = machine(site, username(GMP, Role.FORENSIC_EXAMINER))
    theirs = other_force.get("/api/v1/grading/new-material").json()
    assert not set(files) & {i["file"] for i in theirs}
    national = machine(site, username("NCA", Role.ANALYST))
    assert set(files) <= {i["file"] for i in national.get("/api/v1/grading/new-material").json()}
    page = first.get("/grading/new-material")
    assert page.status_code == 200 and "Harbour" in page.text and files[0] in page.text
    exported = first.get("/grading/new-material/export", params={"format": "csv"})
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    rows = exported.text.splitlines()
    assert rows[0].startswith("record_id,") and all(any(f in r for r in rows) for f in files)
    assert audited(site.db, "new-material.export", username(MET, Role.FORENSIC_EXAMINER), "all")
    bad = first.get("/grading/new-material/export", params={"format": "nsrl"})
    assert bad.status_code == 422 and "format" in bad.text
    form = {"files": files[0], "new_material": "false", "reason": "seen before", "back": "/grading"}
    form["csrf_token"] = csrf_token(first)
    moved = first.post("/grading/flags", data=form, follow_redirects=False)
    assert moved.status_code == 303
    assert files[0] not in {i["file"] for i in first.get("/api/v1/grading/new-material").json()}

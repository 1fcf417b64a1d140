"""Seized devices and their triage scans in the web app (a real scan of benign evidence, part of
it in a 'known' set), thumbnails for examiners only, and the bail and flag forms of a case."""

from __future__ import annotations

import io
import shutil
from datetime import date
from pathlib import Path

from PIL import Image, ImageFilter, ImageStat

from footprint.operations.cases import advance_case, get_case
from footprint.security.actor import Actor
from footprint.security.roles import Role
from tests.operations.cases_setup import GMP, MET, investigator, open_cases
from tests.web.site import SCAN, Site, audited, browser, csrf_token, machine, username

EXAMINER = username(GMP, Role.FORENSIC_EXAMINER)


def _scan_url(site: Site, force: str = GMP) -> str:
    return f"/cases/{site.cases[force][0]}/devices/{site.devices[force][0]}"


def test_the_scan_summary_and_findings_filter(site: Site) -> None:
    client = machine(site, username(GMP, Role.INVESTIGATOR))
    url = f"/api/v1{_scan_url(site)}/scan"
    matched = client.get(url).json()
    summary = matched["summary"]
    assert matched["scan"] == SCAN and matched["summary_unchanged"] is True
    assert summary["files"] > summary["matched_files"] > 0
    assert matched["matching"] == summary["matched_files"]
    assert {f["category"] for f in matched["findings"]} <= {"A", "B", "C"}
    only_a = client.get(url, params={"category": "A", "shown": "all"}).json()
    assert only_a["matching"] == summary["matched_files_by_category"]["A"]
    unknown = client.get(url, params={"shown": "unknown-images"}).json()
    assert unknown["matching"] == summary["unknown_images"]
    errors = client.get(url, params={"shown": "errors"}).json()
    assert errors["matching"] == summary["errors"] and all(f["error"] for f in errors["findings"])
    by_path = client.get(url, params={"shown": "all", "text": "readme"}).json()
    assert [Path(f["path"]).name for f in by_path["findings"]] == ["readme.txt"]
    paged = client.get(url, params={"shown": "all", "offset": 2, "limit": 3}).json()
    every = client.get(url, params={"shown": "all"}).json()["findings"]
    assert [f["index"] for f in paged["findings"]] == [f["index"] for f in every[2:5]]
    bad = client.get(url, params={"category": "Z"})
    assert bad.status_code == 422 and "category" in bad.json()["detail"]


def _picture(response_bytes: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(response_bytes))
    assert image.format == "PNG" and image.mode == "L"  # greyscale
    return image


def _edges(image: Image.Image) -> float:
    """Mean edge strength away from the border (where blurring smears the frame)."""
    edges = image.filter(ImageFilter.FIND_EDGES)
    return ImageStat.Stat(edges.crop((12, 12, image.width - 12, image.height - 12))).mean[0]


def test_examiners_see_blurred_thumbnails_and_reveal_with_one_click(site: Site) -> None:
    client = browser(site, EXAMINER)
    page = client.get(_scan_url(site), params={"thumbnails": "true"})
    assert page.status_code == 200 and 'alt="blurred greyscale thumbnail"' in page.text
    plain = client.get(_scan_url(site))
    assert "<img" not in plain.text  # no imagery unless asked for
    summary = machine(site, EXAMINER).get(f"/api/v1{_scan_url(site)}/scan").json()["summary"]
    a = summary["matched_by_category"]["A"]
    assert f"{a['distinct']} distinct; still {a['still']['files']}, moving 0;" in plain.text
    index = int(page.text.split("/findings/")[1].split("/")[0])
    blurred = _picture(client.get(f"{_scan_url(site)}/findings/{index}/thumbnail").content)
    revealed = client.get(f"{_scan_url(site)}/findings/{index}?reveal=true")
    assert f"/findings/{index}/thumbnail?reveal=true" in revealed.text
    clear = _picture(
        client.get(f"{_scan_url(site)}/findings/{index}/thumbnail?reveal=true").content
    )
    assert _edges(clear) > 2 * _edges(blurred)  # the blur hides detail; revealing restores it
    assert audited(site.db, "case.imagery-view", EXAMINER, site.cases[GMP][0])


def test_other_roles_never_get_imagery(site: Site) -> None:
    user = username(GMP, Role.INVESTIGATOR)
    client = browser(site, user)
    page = client.get(_scan_url(site), params={"thumbnails": "true"})
    assert page.status_code == 200 and "<img" not in page.text
    refused = client.get(f"{_scan_url(site)}/findings/0/thumbnail")
    assert refused.status_code == 403 and "forensic-examiner" in refused.text
    assert audited(site.db, "case.refused", user, site.cases[GMP][0])
    other = browser(site, username(MET, Role.FORENSIC_EXAMINER))
    assert other.get(f"{_scan_url(site)}/findings/0/thumbnail").status_code == 404


def _fresh_scan(site: Site, name: str) -> str:
    """Another finished scan in GMP's folder (a copy of the site's), linked to nothing yet."""
    shutil.copytree(site.settings.scans_dir / GMP / SCAN, site.settings.scans_dir / GMP / name)
    return name


def test_a_device_is_recorded_and_linked_to_a_finished_scan(site: Site, tmp_path: Path) -> None:
    (case_id,) = open_cases(site.db, tmp_path, [GMP])
    client = machine(site, EXAMINER)
    case = client.post(
        f"/api/v1/cases/{case_id}/devices",
        json={"exhibit_ref": "EX-9", "description": "phone", "seized_on": "2026-11-20"},
    ).json()
    device_id = case["devices"][-1]["id"]
    assert client.get(f"/api/v1/cases/{case_id}/scans").json() == []  # each linked already
    fresh = _fresh_scan(site, "exhibit-9")
    assert client.get(f"/api/v1/cases/{case_id}/scans").json() == [fresh]
    escape = client.post(
        f"/api/v1/cases/{case_id}/devices/{device_id}/scan", json={"scan": f"../{MET}/{SCAN}"}
    )
    assert escape.status_code == 422 and "not a finished scan of" in escape.json()["detail"]
    twice = client.post(f"/api/v1/cases/{case_id}/devices/{device_id}/scan", json={"scan": SCAN})
    assert twice.status_code == 409  # one scan, one exhibit: its files would count twice
    assert "already linked to exhibit EX-1 of case" in twice.json()["detail"]
    linked = client.post(f"/api/v1/cases/{case_id}/devices/{device_id}/scan", json={"scan": fresh})
    assert linked.status_code == 200
    summary = client.get(f"/api/v1/cases/{case_id}/devices/{device_id}/scan").json()["summary"]
    expected = {c: summary["matched_files_by_category"][c] for c in ("A", "B", "C")}
    assert linked.json()["charging_summary"] == expected


def test_bail_extension_and_flags(site: Site, tmp_path: Path) -> None:
    (case_id,) = open_cases(site.db, tmp_path, [GMP])
    for state in ("researching", "warrant-applied", "warrant-granted", "search-executed"):
        advance_case(site.db, investigator(GMP), case_id, state)
    advance_case(site.db, investigator(GMP), case_id, "arrested", on=date(2026, 11, 19))
    client = browser(site, username(GMP, Role.INVESTIGATOR))
    form = client.get(f"/cases/{case_id}")
    assert f'action="/cases/{case_id}/bail"' in form.text
    none_chosen = client.post(
        f"/cases/{case_id}/bail",
        data={
            "started_on": "2026-11-20",
            "authorised_by": "Insp A",
            "csrf_token": csrf_token(client),
        },
    )
    assert none_chosen.status_code == 422 and "at least one condition" in none_chosen.text
    bailed = client.post(
        f"/cases/{case_id}/bail",
        data={
            "started_on": "2026-11-20",
            "conditions": ["no-unsupervised-contact"],
            "other_condition": "not to attend the youth club",
            "authorised_by": "Insp A",
            "csrf_token": csrf_token(client),
        },
    )
    assert "no unsupervised contact with any child under 18" in bailed.text
    assert "not to attend the youth club" in bailed.text
    assert "to 19 Feb 2027 (3-months)" in bailed.text  # three months less a day
    extended = client.post(
        f"/cases/{case_id}/bail/extend",
        data={"authorised_by": "Supt B", "court_until": "", "csrf_token": csrf_token(client)},
    )
    assert extended.status_code == 200 and "6-months to 19 May 2027" in extended.text
    bad_date = client.post(
        f"/cases/{case_id}/bail/extend",
        data={"authorised_by": "x", "court_until": "soon", "csrf_token": csrf_token(client)},
    )
    assert bad_date.status_code == 422 and "court_until" in bad_date.text
    api = machine(site, username(GMP, Role.FORCE_SUPERVISOR))
    flagged = api.post(f"/api/v1/cases/{case_id}/flags", json={"registered_sex_offender": True})
    assert flagged.json()["registered_sex_offender"] is True
    assert flagged.json()["position_of_trust"] is False
    assert (
        api.get("/api/v1/bail-conditions").json()["surrender-passport"] == "to surrender passport"
    )


def test_a_scan_folder_gone_from_the_server_is_said_plainly(site: Site, tmp_path: Path) -> None:
    (case_id,) = open_cases(site.db, tmp_path, [GMP])
    client = machine(site, EXAMINER)
    case = client.post(
        f"/api/v1/cases/{case_id}/devices",
        json={"exhibit_ref": "EX-GONE", "description": "usb stick", "seized_on": "2026-11-20"},
    ).json()
    device_id = case["devices"][-1]["id"]
    copy = site.settings.scans_dir / GMP / "to-be-moved"
    shutil.copytree(site.settings.scans_dir / GMP / SCAN, copy)
    client.post(f"/api/v1/cases/{case_id}/devices/{device_id}/scan", json={"scan": copy.name})
    shutil.rmtree(copy)
    gone = client.get(f"/api/v1/cases/{case_id}/devices/{device_id}/scan").json()
    assert gone["summary"] == {} and gone["findings"] == [] and not gone["summary_unchanged"]
    page = browser(site, EXAMINER).get(f"/cases/{case_id}/devices/{device_id}")
    assert page.status_code == 200 and "no longer on this server" in page.text


def test_a_device_is_recorded_and_its_scan_linked_from_the_case_page(site: Site) -> None:
    """The page forms, not only the API: each change lands and returns to the case; a court date
    that is not a date is refused on the case page itself, naming the field."""
    client = browser(site, EXAMINER)
    csrf = csrf_token(client)
    case_id = site.cases[GMP][1]
    recorded = client.post(
        f"/cases/{case_id}/devices",
        data={
            "exhibit_ref": "PAGE-1",
            "description": "laptop recorded from the page",
            "seized_on": "2026-11-04",
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert recorded.status_code == 303 and recorded.headers["location"] == f"/cases/{case_id}"
    examiner = Actor(EXAMINER, GMP, frozenset({Role.FORENSIC_EXAMINER}))
    [device] = [
        d for d in get_case(site.db, examiner, case_id).devices if d["exhibit_ref"] == "PAGE-1"
    ]
    fresh = _fresh_scan(site, "page-exhibit")
    linked = client.post(
        f"/cases/{case_id}/devices/{device['id']}/scan",
        data={"scan": fresh, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert linked.status_code == 303
    [device] = [
        d for d in get_case(site.db, examiner, case_id).devices if d["exhibit_ref"] == "PAGE-1"
    ]
    assert Path(device["scan_dir"]).name == fresh and device["scan_counts"]
    a = device["scan_breakdown"]["A"]
    assert a["files"] == device["scan_counts"]["A"] > 0
    case_page = client.get(f"/cases/{case_id}").text
    assert f"A: {a['still']['files']} still, 0 moving, {a['distinct']} distinct" in case_page
    investigator_client = browser(site, username(GMP, Role.INVESTIGATOR))
    bad = investigator_client.post(
        f"/cases/{case_id}/bail/extend",
        data={
            "authorised_by": "Supt Example",
            "court_until": "soon",
            "csrf_token": csrf_token(investigator_client),
        },
    )
    assert bad.status_code == 422 and "court_until" in bad.text and "<h1>" in bad.text
    # withdrawn from the page with a reason: still listed, marked, out of the counts
    page = client.get(f"/cases/{case_id}")
    assert f'<input type="hidden" name="entry" value="{device["id"]}">' in page.text
    form = {"kind": "device", "entry": str(device["id"]), "csrf_token": csrf}
    no_reason = client.post(f"/cases/{case_id}/withdrawals", data=form)
    assert no_reason.status_code == 422 and "a withdrawal needs a reason" in no_reason.text
    withdrawn = client.post(
        f"/cases/{case_id}/withdrawals",
        data=form | {"reason": "linked in error"},
        follow_redirects=False,
    )
    assert withdrawn.status_code == 303
    page = client.get(f"/cases/{case_id}")
    assert "withdrawn by" in page.text and "linked in error" in page.text and "PAGE-1" in page.text
    assert audited(site.db, "case.withdraw", EXAMINER, case_id)


def test_a_devices_scan_exported_for_a_review_tool(site: Site) -> None:
    client = browser(site, EXAMINER)
    page = client.get(_scan_url(site))
    assert f"{_scan_url(site)}/export?format=vics" in page.text
    got = client.get(f"{_scan_url(site)}/export", params={"format": "vics"})
    assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
    (case,) = got.json()["value"]
    summary = machine(site, EXAMINER).get(f"/api/v1{_scan_url(site)}/scan").json()["summary"]
    assert case["CaseNumber"] and case["TotalMediaFiles"] == len(case["Media"]) > 0
    files = sum(len(m["MediaFiles"]) for m in case["Media"])
    assert files == summary["matched_files"] + summary["unknown_images"]
    assert audited(site.db, "case.scan-export", EXAMINER, site.cases[GMP][0])
    exports = site.settings.var_dir / "exports"  # the instance's folder, not the shared /tmp
    assert exports.stat().st_mode & 0o777 == 0o700
    assert list(exports.iterdir()) == []  # removed once sent
    matched = client.get(f"{_scan_url(site)}/export", params={"include": "matched"}).json()
    assert {m["footprint:Category"] for m in matched["value"][0]["Media"]} <= {"A", "B", "C"}
    assert client.get(f"{_scan_url(site)}/export", params={"format": "nsrl"}).status_code == 422
    # the summary changed since it was linked: nothing goes out
    summary_file = site.settings.scans_dir / GMP / SCAN / "summary.json"
    kept = summary_file.read_bytes()
    summary_file.write_bytes(kept + b" ")
    try:
        refused = client.get(f"{_scan_url(site)}/export")
        assert refused.status_code == 409 and "re-examine" in refused.text
        assert list(exports.iterdir()) == []  # nothing half-written stays
    finally:
        summary_file.write_bytes(kept)


def test_only_caseworkers_and_examiners_export(site: Site) -> None:
    for role, allowed in ((Role.INVESTIGATOR, True), (Role.AUDITOR, False)):
        client = browser(site, username(GMP, role))
        got = client.get(f"{_scan_url(site)}/export")
        assert (got.status_code == 200) is allowed, (role, got.status_code)
        page = client.get(_scan_url(site))
        assert (f"{_scan_url(site)}/export?" in page.text) is allowed


def test_the_api_exports_the_same_file(site: Site) -> None:
    api = machine(site, EXAMINER).get(f"/api/v1{_scan_url(site)}/export", params={"format": "csv"})
    page = browser(site, EXAMINER).get(f"{_scan_url(site)}/export", params={"format": "csv"})
    assert api.status_code == page.status_code == 200
    assert api.headers["content-type"].startswith("text/csv") and api.text == page.text
    other = machine(site, username(MET, Role.FORENSIC_EXAMINER))
    assert other.get(f"/api/v1{_scan_url(site)}/export").status_code == 404

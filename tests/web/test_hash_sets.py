"""Hash sets in the web app: counts per category and versions, an import from an uploaded file
followed to its end on the job page, bad input, and who may import or see a job."""

from __future__ import annotations

import io
import re
from typing import Any

from fastapi.testclient import TestClient

from footprint.geo.forces import COORDINATOR_CODE
from footprint.hashsets import ImportOptions, KnownHashStore
from footprint.hashsets.model import KnownHash, UnifiedCategory
from footprint.hashsets.service import import_file
from footprint.hashsets.vics import write_vics
from footprint.security.roles import Role
from tests.operations.cases_setup import GMP, MET
from tests.web.site import (
    Site,
    asgi_post,
    audited,
    browser,
    csrf_token,
    job_ended,
    machine,
    username,
)

IMPORTER = username(COORDINATOR_CODE, Role.ANALYST)  # the national sets are the coordinator's


def _vics(count: int) -> bytes:
    records = [
        KnownHash(record_id=str(n), signals={"md5": f"{n:032x}"}, category=UnifiedCategory.B)
        for n in range(1, count + 1)
    ]
    out = io.StringIO()
    write_vics(records, out, country="UK")
    return out.getvalue().encode()


def _upload(client: TestClient, content: bytes, set_name: str, name: str = "new.json") -> Any:
    return client.post(
        "/hash-sets/import",
        data={"set_name": set_name, "csrf_token": csrf_token(client)},
        files={"file": (name, content, "application/json")},
        follow_redirects=False,
    )


def test_the_sets_show_counts_per_category_and_version(site: Site) -> None:
    sets = machine(site, username(GMP, Role.INVESTIGATOR)).get("/api/v1/hash-sets").json()
    known = next(s for s in sets if s["name"] == "known")
    assert known["records"] == sum(known["categories"].values()) > 0
    assert known["version"] >= 1 and known["last_import"] == "known.json"
    page = browser(site, username(GMP, Role.INVESTIGATOR)).get("/hash-sets")
    assert page.status_code == 200 and "known" in page.text
    assert 'action="/hash-sets/import"' not in page.text  # investigators do not import


def test_an_uploaded_file_is_imported_as_a_job_with_progress(site: Site) -> None:
    client = browser(site, IMPORTER)
    started = _upload(client, _vics(40), "uploaded")
    assert started.status_code == 303
    found = re.fullmatch(r"/jobs/(\d+)", started.headers["location"])
    assert found is not None
    job_id = int(found.group(1))
    job = job_ended(client, job_id)
    assert job["status"] == "done", job
    assert job["outcome"]["imported"] == 40 and job["outcome"]["categories"] == {"B": 40}
    page = client.get(f"/jobs/{job_id}")
    assert (
        "<dt>imported</dt>\n  <dd>40</dd>" in page.text and 'http-equiv="refresh"' not in page.text
    )
    sets = {s["name"]: s for s in client.get("/api/v1/hash-sets").json()}
    assert sets["uploaded"]["records"] == 40 and sets["uploaded"]["version"] == 1
    assert not list((site.settings.var_dir / "uploads").iterdir())  # the upload is removed
    assert audited(site.db, "hashset-import.done", IMPORTER, job_id)
    other = browser(site, username(GMP, Role.FORENSIC_EXAMINER))
    assert other.get(f"/jobs/{job_id}").status_code == 404


def test_a_broken_file_fails_whole_and_names_the_file(site: Site) -> None:
    client = browser(site, IMPORTER)
    started = _upload(client, b'{"value": [ {"MD5": "12', "broken", name="cut.json")
    job = job_ended(client, int(started.headers["location"].rsplit("/", 1)[1]))
    assert job["status"] == "failed" and "cut.json" in job["outcome"]["error"]
    assert str(site.settings.var_dir) not in job["outcome"]["error"]  # no server path shown
    listed = client.get("/api/v1/hash-sets").json()
    assert "broken" not in {s["name"] for s in listed}  # nothing kept, not even an empty set


def test_only_the_coordinators_people_change_the_national_sets(site: Site) -> None:
    for refused_user in (
        username(MET, Role.INVESTIGATOR),
        username(MET, Role.FORENSIC_EXAMINER),  # a force's examiner: not the national sets
        username(COORDINATOR_CODE, Role.AUDITOR),
    ):
        refused = _upload(browser(site, refused_user), _vics(2), "nope")
        assert refused.status_code == 403 and "changing the national hash sets" in refused.text
        assert not list((site.settings.var_dir / "uploads").iterdir())
    listed = machine(site, IMPORTER).get("/api/v1/hash-sets").json()
    assert "nope" not in {s["name"] for s in listed}
    no_name = _upload(browser(site, IMPORTER), _vics(2), " ")
    assert no_name.status_code == 422 and "set_name" in no_name.text


def test_a_refused_import_comes_back_inline_as_it_was_typed(site: Site) -> None:
    client = browser(site, IMPORTER)
    typed = {"set_name": "seized-2026", "pdq_radius": "20", "category": "A", "ignore": "true"}
    refused = client.post(
        "/hash-sets/import",
        data=typed | {"scheme": "no-such-scheme", "csrf_token": csrf_token(client)},
        files={"file": ("new.json", _vics(2), "application/json")},
    )
    assert refused.status_code == 422
    assert "Not recorded: scheme: &#39;no-such-scheme&#39; is not one of" in refused.text
    assert '<nav aria-label="Main">' in refused.text  # the page itself, not an error page
    assert 'value="seized-2026"' in refused.text and 'value="20"' in refused.text
    assert "<option selected>A</option>" in refused.text
    assert 'name="ignore" value="true" checked' in refused.text
    assert not list((site.settings.var_dir / "uploads").iterdir())  # nothing written
    listed = client.get("/api/v1/hash-sets").json()
    assert "seized-2026" not in {s["name"] for s in listed}


def test_an_upload_from_nobody_is_refused_before_a_byte_is_read(site: Site) -> None:
    """The body is never asked for: the answer comes from the headers alone."""
    import asyncio

    asked = []
    answer: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        asked.append(True)
        return {"type": "http.request", "body": b"x" * 1024, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        answer.append(message)

    for path in ("/hash-sets/import", "/api/v1/jobs/1"):
        answer.clear()
        scope = asgi_post(
            path,
            [
                (b"content-type", b"multipart/form-data; boundary=x"),
                (b"content-length", str(5 * 2**30).encode()),
                (b"cookie", b"footprint_session=made-up"),
            ],
        )
        asyncio.run(site.app(scope, receive, send))  # type: ignore[arg-type]
        status = answer[0]["status"]
        assert status == (401 if path.startswith("/api/") else 303), (path, status)
    assert not asked
    assert not list((site.settings.var_dir / "uploads").glob("*"))


def test_a_hostile_upload_fails_its_job_and_the_server_lives(site: Site) -> None:
    client = browser(site, IMPORTER)
    hostile = b'{"value": [{"MD5": "' + b"a" * 32 + b'", "MediaID": ' + b"9" * 4400 + b"}]}"
    started = _upload(client, hostile, "hostile", name="crash.json")
    job = job_ended(client, int(started.headers["location"].rsplit("/", 1)[1]))
    assert job["status"] == "failed"
    assert "crash.json: a number of more than 100 digits" in job["outcome"]["error"]
    assert client.get("/api/v1/hash-sets").status_code == 200  # still serving


def test_a_known_record_is_read_and_corrected_through_the_api(site: Site, tmp_path: Any) -> None:
    path = tmp_path / "to-correct.json"
    path.write_bytes(_vics(3))
    with KnownHashStore(site.settings.hashset_store) as store:
        assert import_file(store, path, "to-correct", ImportOptions()).imported == 3
    client = machine(site, IMPORTER)
    md5 = f"{2:032x}"
    read = client.get(f"/api/v1/hash-sets/to-correct/records/{md5.upper()}")
    assert read.status_code == 200, read.text
    assert read.json()["record_id"] == "2" and read.json()["history"] == []
    body = {"record": "2", "category": "C", "series": "Harbour", "reason": "regraded on review"}
    corrected = client.post("/api/v1/hash-sets/to-correct/corrections", json=body)
    assert corrected.status_code == 200, corrected.text
    answer = corrected.json()
    assert answer["version"] == 2
    assert (answer["before"]["category"], answer["after"]["category"]) == ("B", "C")
    assert answer["after"]["series"] == "Harbour"
    (entry,) = answer["record"]["history"]
    assert (entry["changed_by"], entry["reason"]) == (IMPORTER, "regraded on review")
    assert audited(site.db, "hashset.correct", IMPORTER, "to-correct")
    again = client.post("/api/v1/hash-sets/to-correct/corrections", json=body)
    assert again.status_code == 409 and "already says that" in again.json()["detail"]
    no_reason = client.post(
        "/api/v1/hash-sets/to-correct/corrections", json={"record": "2", "category": "A"}
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["detail"]
    missing = client.get("/api/v1/hash-sets/to-correct/records/404")
    assert missing.status_code == 404
    for refused_user in (username(MET, Role.FORENSIC_EXAMINER), username(GMP, Role.INVESTIGATOR)):
        other = machine(site, refused_user)
        refused = other.post(
            "/api/v1/hash-sets/to-correct/corrections", json=body | {"category": "A"}
        )
        assert refused.status_code == 403 and "correcting a known record" in refused.text
        assert other.get(f"/api/v1/hash-sets/to-correct/records/{md5}").status_code == 403
    with KnownHashStore(site.settings.hashset_store) as store:
        assert [r.category for r in store.records(store.get_set("to-correct").id)] == [
            UnifiedCategory.B,
            UnifiedCategory.C,
            UnifiedCategory.B,
        ]

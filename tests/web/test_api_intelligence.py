"""The API of the coordinator's side: referrals queue and detail, subject page, risk, manual
allocation, package issue and transfer, deconfliction look-ups; each through an HTTP client."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from footprint.geo.forces import COORDINATOR_CODE
from footprint.operations.intake import import_referrals
from footprint.operations.subjects import resolve_subjects
from footprint.security.actor import Actor
from footprint.security.roles import Role
from footprint.store.models import Referral, SubjectMerge
from tests.operations.cases_setup import GMP, KENT, MET, OPERATION
from tests.operations.samples import lone_referral
from tests.web.site import Site, audited, machine, username, waiting_subject

COORDINATOR = username(COORDINATOR_CODE, Role.COORDINATOR)


def test_the_referrals_queue_is_the_coordinators_and_filters(site: Site) -> None:
    client = machine(site, COORDINATOR)
    every = client.get(f"/api/v1/operations/{OPERATION}/referrals").json()
    ids = [r["id"] for r in every]
    assert ids == sorted(ids) and set(site.referrals[MET]) <= set(ids)
    unresolved = client.get(
        f"/api/v1/operations/{OPERATION}/referrals", params={"waiting": "unresolved"}
    ).json()
    assert all(r["subject_id"] is None for r in unresolved)
    assert [
        r["id"]
        for r in client.get(
            f"/api/v1/operations/{OPERATION}/referrals", params={"offset": 1, "limit": 2}
        ).json()
    ] == ids[1:3]
    bad = client.get(f"/api/v1/operations/{OPERATION}/referrals", params={"waiting": "soon"})
    assert bad.status_code == 422 and "waiting" in bad.json()["detail"]
    force = machine(site, username(MET, Role.ANALYST))
    refused = force.get(f"/api/v1/operations/{OPERATION}/referrals")
    assert refused.status_code == 403 and "national coordinator" in refused.json()["detail"]
    path = f"/api/v1/operations/{OPERATION}/referrals"
    assert audited(site.db, "access.refused", username(MET, Role.ANALYST), path)  # every 403


def test_a_referral_shows_its_identifiers_events_and_graded_files(site: Site) -> None:
    referral_id = site.referrals[MET][0]
    own = machine(site, username(MET, Role.INVESTIGATOR)).get(f"/api/v1/referrals/{referral_id}")
    assert own.status_code == 200
    body = own.json()
    assert body["subject_id"] == site.subjects[MET][0]
    assert body["report_id"] in site.markers[MET]
    phones = [i["value"] for i in body["identifiers"] if i["kind"] == "phone"]
    assert phones and all(p.startswith("+447700") for p in phones)  # stored as E.164
    assert body["files"] and all("grade_status" in f for f in body["files"])
    assert not any("image" in key or "thumbnail" in key for f in body["files"] for key in f)
    assert audited(site.db, "referral.read", username(MET, Role.INVESTIGATOR), referral_id)


def test_the_subject_shows_evidence_risk_packages_and_deconfliction(site: Site) -> None:
    subject_id = site.subjects[GMP][0]
    client = machine(site, COORDINATOR)
    subject = client.get(f"/api/v1/subjects/{subject_id}").json()
    assert subject["force"] == GMP and subject["operation"] == OPERATION
    assert [p["id"] for p in subject["packages"]] == [site.packages[GMP][0]]
    assert subject["risk"]["band"] and subject["risk"]["reasons"]
    assert sum(subject["evidence_by_category"].values()) >= 1
    assert [r["id"] for r in subject["referrals"]] == [site.referrals[GMP][0]]
    assert subject["deconfliction"] == []  # no other subject shares an identifier
    kind, value = subject["identifiers"][0]["kind"], subject["identifiers"][0]["value"]
    hits = client.get("/api/v1/identifiers", params={"kind": kind, "value": value}).json()
    assert [h["subject_id"] for h in hits] == [subject_id]
    assert audited(site.db, "identifier.lookup", COORDINATOR, f"{kind}:{value}")
    bad = client.get("/api/v1/identifiers", params={"kind": "phone", "value": "not a phone"})
    assert bad.status_code == 422 and "value" in bad.json()["detail"]
    unknown_kind = client.get("/api/v1/identifiers", params={"kind": "shoe", "value": "x"})
    assert unknown_kind.status_code == 422 and "kind" in unknown_kind.json()["detail"]
    detail = client.get(f"/api/v1/referrals/{site.referrals[GMP][0]}").json()
    md5 = detail["files"][0]["signals"]["md5"]
    by_file = client.get("/api/v1/identifiers", params={"kind": "md5", "value": md5.upper()})
    assert [h["subject_id"] for h in by_file.json()] == [subject_id]  # a file's hash, found


def test_allocate_assess_issue_and_transfer(site: Site, tmp_path: Path) -> None:
    subject_id = waiting_subject(site.db, tmp_path)
    national = machine(site, COORDINATOR)
    queue = national.get(f"/api/v1/operations/{OPERATION}/allocation-queue").json()
    assert subject_id in [w["subject_id"] for w in queue]
    met = machine(site, username(MET, Role.FORCE_SUPERVISOR))
    assert met.get(f"/api/v1/subjects/{subject_id}").status_code == 404  # not MET's yet
    no_reason = national.post(
        f"/api/v1/subjects/{subject_id}/assign", json={"force": MET, "reason": ""}
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["detail"]
    assigned = national.post(
        f"/api/v1/subjects/{subject_id}/assign", json={"force": MET, "reason": "address known"}
    )
    assert assigned.status_code == 200 and assigned.json()["force"] == MET
    early = national.post(f"/api/v1/subjects/{subject_id}/package")
    assert early.status_code == 422 and "assess the risk" in early.json()["detail"]
    assessed = national.post(
        f"/api/v1/subjects/{subject_id}/risk", json={"factors": ["position_of_trust"]}
    )
    assert assessed.status_code == 200 and assessed.json()["reasons"]
    unknown = national.post(f"/api/v1/subjects/{subject_id}/risk", json={"factors": ["tall"]})
    assert unknown.status_code == 422 and "factors" in unknown.json()["detail"]
    investigator = machine(site, username(MET, Role.INVESTIGATOR))
    refused = investigator.post(
        f"/api/v1/subjects/{subject_id}/risk/override", json={"band": "low", "reason": "x"}
    )
    assert refused.status_code == 403
    assert audited(site.db, "subject.refused", username(MET, Role.INVESTIGATOR), subject_id)
    overridden = met.post(
        f"/api/v1/subjects/{subject_id}/risk/override",
        json={"band": "very-high", "reason": "children in the home"},
    )
    assert overridden.json()["band"] == "very-high"
    assert met.post(f"/api/v1/subjects/{subject_id}/package").status_code == 403
    package = national.post(f"/api/v1/subjects/{subject_id}/package").json()
    assert package["force"] == MET and package["risk_band"] == "very-high"
    moved = met.post(
        f"/api/v1/packages/{package['id']}/transfer",
        json={"to_force": KENT, "reason": "subject lives in Kent"},
    )
    assert moved.status_code == 200 and moved.json()["force"] == KENT
    assert met.get(f"/api/v1/packages/{package['id']}").status_code == 404
    assert national.get(f"/api/v1/subjects/{subject_id}").json()["force"] == KENT
    again = national.post(
        f"/api/v1/packages/{package['id']}/transfer", json={"to_force": KENT, "reason": "again"}
    )
    assert again.status_code == 422 and "already there" in again.json()["detail"]
    assert audited(site.db, "package.transfer", username(MET, Role.FORCE_SUPERVISOR), package["id"])
    twice = national.post(f"/api/v1/subjects/{subject_id}/package")
    assert twice.status_code == 409 and "still open; a second package needs a reason" in twice.text
    second = national.post(
        f"/api/v1/subjects/{subject_id}/package",
        json={"second_reason": "new referrals after the transfer"},
    )
    assert second.status_code == 200 and second.json()["id"] != package["id"]


def test_a_merge_is_undone_from_the_subject(site: Site, tmp_path: Path) -> None:
    with site.db.unit_of_work() as session:
        first = (session.scalar(select(func.max(Referral.id))) or 0) + 100
    two = [lone_referral(first), lone_referral(first + 1)]
    bridge = lone_referral(first + 2)
    bridge["reported_person"]["emails"] = [e for d in two for e in d["reported_person"]["emails"]]
    for batch, name in ((two, "two.json"), ([bridge], "bridge.json")):
        (tmp_path / name).write_text(json.dumps(batch))
        import_referrals(site.db, Actor.system(), OPERATION, tmp_path / name)
        resolve_subjects(site.db, Actor.system(), OPERATION)
    national = machine(site, COORDINATOR)
    with site.db.unit_of_work() as session:
        merge = session.scalars(select(SubjectMerge).order_by(SubjectMerge.id.desc())).first()
        assert merge is not None
        survivor, merge_id, absorbed = merge.survivor_id, merge.id, merge.absorbed_id
    url = f"/api/v1/subjects/{survivor}/merges/{merge_id}/undo"
    assert machine(site, username(MET, Role.ANALYST)).post(url).status_code == 404  # unallocated
    wrong = national.post(f"/api/v1/subjects/{absorbed}/merges/{merge_id}/undo")
    assert wrong.status_code == 404  # not a merge into that subject
    undone = national.post(url)
    assert undone.status_code == 200
    assert [m["undone"] for m in undone.json()["merges"] if m["id"] == merge_id] == [True]
    assert national.get(f"/api/v1/subjects/{absorbed}").status_code == 200  # active again
    assert national.post(url).status_code == 404  # already undone
    assert audited(site.db, "subject.unmerge", COORDINATOR, survivor)

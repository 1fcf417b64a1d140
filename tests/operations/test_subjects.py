"""Subject resolution, merges with provenance, undo, and deconfliction (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from footprint.errors import RecordError
from footprint.operations.intake import import_referrals
from footprint.operations.service import create_operation
from footprint.operations.subjects import lookup_identifier, resolve_subjects, undo_merge
from footprint.security.actor import AccessDenied, Actor
from footprint.security.roles import Role
from footprint.store import Database
from footprint.store.models import AuditEntry, Referral, Subject, SubjectMerge, SubjectReferral
from tests.operations.samples import referral


def person(
    n: int, email: str, phone: str | None = None, ip: tuple[str, int, str] | None = None
) -> dict[str, Any]:
    doc = referral(n)
    who = doc["reported_person"]
    who.update(emails=[email], phones=[phone] if phone else [], screen_names=[], esp_user_ids=[])
    who["ip_events"] = [{"ip": ip[0], "port": ip[1], "at": ip[2]}] if ip else []
    return doc


def take_in(database: Database, tmp_path: Path, name: str, docs: list[dict[str, Any]]) -> None:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(docs))
    report = import_referrals(database, Actor.system(), "Op S", path)
    assert report.skipped == [] and report.error is None


def subjects_by_report(database: Database) -> dict[str, int]:
    with database.unit_of_work() as session:
        rows = session.execute(
            select(Referral.report_id, SubjectReferral.subject_id).join(
                SubjectReferral, SubjectReferral.referral_id == Referral.id
            )
        ).all()
    return {report_id: subject_id for report_id, subject_id in rows}


@pytest.fixture
def operation(database: Database) -> str:
    with database.unit_of_work() as session:
        create_operation(session, Actor.system(), "Op S", date(2026, 10, 1))
    return "Op S"


def test_referrals_resolve_into_subjects_with_reasons(
    database: Database, operation: str, tmp_path: Path
) -> None:
    take_in(
        database,
        tmp_path,
        "first",
        [
            person(1, "a@example.org"),
            person(2, "A@Example.org", phone="07700 900001"),
            person(3, "b@example.org", ip=("203.0.113.9", 4000, "2026-10-01T10:00:00Z")),
            person(4, "c@example.org", ip=("203.0.113.9", 4000, "2026-10-01T10:02:00Z")),
            person(5, "d@example.org", ip=("203.0.113.9", 4001, "2026-10-01T10:02:00Z")),
        ],
    )
    report = resolve_subjects(database, Actor.system(), operation)
    assert (report.subjects_created, report.merges, report.referrals_attached) == (3, 0, 5)
    subjects = subjects_by_report(database)
    assert subjects["TIP-000001"] == subjects["TIP-000002"]
    assert subjects["TIP-000003"] == subjects["TIP-000004"] != subjects["TIP-000005"]
    with database.unit_of_work() as session:
        reasons = {r.reason for r in session.scalars(select(SubjectReferral))}
    assert "email:a@example.org" in reasons and "ip:203.0.113.9:4000 within 300s" in reasons

    again = resolve_subjects(database, Actor.system(), operation)  # nothing new: nothing changes
    assert (again.subjects_created, again.merges, again.referrals_attached) == (0, 0, 0)


def test_a_bridging_referral_merges_subjects_and_the_merge_can_be_undone(
    database: Database, operation: str, tmp_path: Path
) -> None:
    take_in(database, tmp_path, "first", [person(1, "a@example.org"), person(2, "b@example.org")])
    resolve_subjects(database, Actor.system(), operation)
    before = subjects_by_report(database)
    assert before["TIP-000001"] != before["TIP-000002"]

    bridge = person(3, "a@example.org", phone="07700 900002")
    bridge["reported_person"]["emails"].append("b@example.org")
    take_in(database, tmp_path, "second", [bridge])
    report = resolve_subjects(database, Actor.system(), operation)
    assert (report.merges, report.referrals_attached) == (1, 1)
    merged = subjects_by_report(database)
    assert len(set(merged.values())) == 1
    with database.unit_of_work() as session:
        merge = session.scalars(select(SubjectMerge)).one()
        absorbed = session.get_one(Subject, merge.absorbed_id)
        assert (absorbed.status, absorbed.merged_into_id) == ("merged", merge.survivor_id)
        assert merge.moved_referral_ids and merge.reason
        merge_id = merge.id
        actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert "subject.merge" in actions

    undo_merge(database, Actor.system(), merge_id)
    assert subjects_by_report(database)["TIP-000002"] == before["TIP-000002"]
    resolve_subjects(database, Actor.system(), operation)  # a person pulled them apart: stays so
    assert subjects_by_report(database)["TIP-000002"] == before["TIP-000002"]
    with pytest.raises(LookupError, match="already undone"):
        undo_merge(database, Actor.system(), merge_id)


def test_identifier_lookup_crosses_operations_and_is_audited(
    database: Database, operation: str, tmp_path: Path
) -> None:
    take_in(database, tmp_path, "first", [person(1, "a@example.org", phone="07700 900003")])
    resolve_subjects(database, Actor.system(), operation)
    met_investigator = Actor("inv", "E23000001", frozenset({Role.INVESTIGATOR}))
    hits = lookup_identifier(database, met_investigator, "email", " A@EXAMPLE.ORG ")
    assert [(h.operation, h.referral) for h in hits] == [("Op S", "NCMEC:TIP-000001")]
    assert hits[0].subject_id is not None
    assert (
        lookup_identifier(database, met_investigator, "phone", "+44 7700 900003")[0].referral
        == "NCMEC:TIP-000001"
    )
    assert lookup_identifier(database, met_investigator, "email", "z@example.org") == []
    with database.unit_of_work() as session:
        lookups = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "identifier.lookup")
        ).all()
    assert [(e.organisation, e.record_id) for e in lookups] == [
        ("E23000001", "email:a@example.org"),
        ("E23000001", "phone:+447700900003"),
        ("E23000001", "email:z@example.org"),
    ]


def test_only_the_coordinator_resolves(database: Database, operation: str) -> None:
    with pytest.raises(AccessDenied):
        resolve_subjects(database, Actor("x", "E23000001", frozenset({Role.ANALYST})), operation)


def test_batch_by_batch_resolution_finds_the_same_subjects_as_the_whole_rule(
    database: Database, operation: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import random

    from footprint.operations import subjects
    from footprint.operations.resolution import find_links, group

    rng = random.Random(11)
    docs = [
        person(
            n,
            f"p{rng.randrange(25)}@example.org",
            phone=f"07700 900{rng.randrange(40):03d}" if rng.random() < 0.5 else None,
            ip=(
                f"203.0.113.{rng.randrange(3)}",
                4000 + rng.randrange(3),
                f"2026-10-01T10:{rng.randrange(0, 60, 7):02d}:00Z",
            )
            if rng.random() < 0.4
            else None,
        )
        for n in range(1, 91)
    ]
    take_in(database, tmp_path, "many", docs)
    monkeypatch.setattr(subjects, "BATCH", 7)  # later batches join and bridge earlier subjects
    report = subjects.resolve_subjects(database, Actor.system(), operation)
    assert report.merges > 0
    with database.unit_of_work() as session:
        ids = list(session.scalars(select(Referral.id).order_by(Referral.id)))
        keys = subjects._new_keys(session, ids)
        report_ids = dict(session.execute(select(Referral.id, Referral.report_id)).all())
    expected = {frozenset(report_ids[r] for r in g) for g in group(ids, find_links(keys))}
    found: dict[int, set[str]] = {}
    for report_id, subject_id in subjects_by_report(database).items():
        found.setdefault(subject_id, set()).add(report_id)
    assert {frozenset(members) for members in found.values()} == expected


@pytest.mark.parametrize(
    ("kind", "value", "reports"),
    [
        ("md5", f"{7:032X}", ["NCMEC:TIP-000007"]),  # a file's hash, written in any case
        ("pdq", "AB" * 32, ["NCMEC:TIP-000007", "NCMEC:TIP-000008"]),
        ("postcode", "sw1a1aa", ["NCMEC:TIP-000007", "NCMEC:TIP-000008"]),
        ("ip", "203.0.113.9", ["NCMEC:TIP-000008"]),
        ("sha1", "cd" * 20, []),
    ],
)
def test_a_file_hash_postcode_or_ip_is_found_wherever_it_is(
    database: Database, operation: str, tmp_path: Path, kind: str, value: str, reports: list[str]
) -> None:
    """Look-ups once answered "not seen" for all of these although the referrals held them."""
    seen_at = ("203.0.113.9", 1, "2026-10-01T12:00:00Z")
    docs = [person(7, "p7@example.org"), person(8, "p8@example.org", ip=seen_at)]
    take_in(database, tmp_path, "held", docs)
    reader = Actor("inv", "E23000001", frozenset({Role.INVESTIGATOR}))
    assert [h.referral for h in lookup_identifier(database, reader, kind, value)] == reports
    with database.unit_of_work() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "identifier.lookup")
        ).one()
        assert entry.record_id.startswith(f"{kind}:") and entry.detail["hits"] == len(reports)


def test_a_look_up_of_an_unknown_kind_or_a_malformed_value_names_the_field(
    database: Database, operation: str
) -> None:
    reader = Actor("inv", "E23000001", frozenset({Role.INVESTIGATOR}))
    with pytest.raises(RecordError, match="kind: 'shoe' is not one of"):
        lookup_identifier(database, reader, "shoe", "x")
    with pytest.raises(RecordError, match=r"value: .*32 hex digits"):
        lookup_identifier(database, reader, "md5", "abc")
    with pytest.raises(RecordError, match="value"):
        lookup_identifier(database, reader, "ip", "999.1.1.1")

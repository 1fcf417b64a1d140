"""Referral files graded by the detection engine, then by people (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from footprint.errors import NotFound
from footprint.hashsets import ImportOptions, KnownHashStore, import_file
from footprint.hashsets.grading import GradeStatus
from footprint.hashsets.model import SetKind
from footprint.hashsets.schemes import parse_uk_codes
from footprint.hashsets.store import NEGATIVE_BANK
from footprint.operations.assessments import assess_subject
from footprint.operations.graded_files import (
    GradingError,
    NotNow,
    cast_votes,
    decide_match,
    resolve_dispute,
    undo_decision,
)
from footprint.operations.grading import grade_operation
from footprint.operations.grading_queue import grading_queue
from footprint.operations.intake import import_referrals
from footprint.operations.records import get_subject
from footprint.operations.service import OperationError, create_operation
from footprint.operations.subjects import resolve_subjects
from footprint.security.actor import AccessDenied, Actor
from footprint.security.roles import Role
from footprint.store import Database
from footprint.store.models import AuditEntry, ReferralFileRow, SubjectReferral
from tests.hashsets.vics_samples import media, write_hashset
from tests.operations.samples import referral

PDQ_KNOWN = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ_NEAR = "f8f8f0cee0f4a84f06370a2a038f63f0b36e26d596621e1d33e6b39c4e9c9b22"


def analyst(name: str) -> Actor:
    return Actor(name, "NCA", frozenset({Role.ANALYST}))


def coordinator() -> Actor:
    return Actor("coord", "NCA", frozenset({Role.COORDINATOR}))


def audited_as(database: Database, action: str, record_id: int) -> bool:
    with database.unit_of_work() as session:
        found = session.scalars(
            select(AuditEntry.seq).where(
                AuditEntry.action == action, AuditEntry.record_id == str(record_id)
            )
        )
        return found.first() is not None


@pytest.fixture
def graded(database: Database, tmp_path: Path) -> dict[str, int]:
    """Three referrals: one exact MD5 hit (category A), one PDQ hit (B), one unknown file."""
    store = KnownHashStore(tmp_path / "hs.sqlite")
    known = [
        media(1, Category=1),
        media(9, Category=2, AlternativeHashes=[{"HashName": "PDQ", "HashValue": PDQ_KNOWN}]),
    ]
    options = ImportOptions(scheme="uk", uk_codes=parse_uk_codes("1=A,2=B,3=C"))
    assert (
        import_file(
            store, write_hashset(tmp_path / "k.json", known, country="UK"), "national", options
        ).imported
        == 2
    )
    with database.unit_of_work() as session:
        create_operation(session, Actor.system(), "Op G", date(2026, 10, 1))
    docs = [referral(1), referral(2), referral(3)]
    docs[1]["files"][0]["hashes"] = [{"type": "PDQ", "value": PDQ_NEAR}]
    docs[2]["files"][0]["hashes"] = [{"type": "MD5", "value": "ee" * 16}]
    path = tmp_path / "tips.json"
    path.write_text(json.dumps(docs))
    import_referrals(database, Actor.system(), "Op G", path)
    report = grade_operation(database, store, Actor.system(), "Op G", ["national"])
    store.close()
    assert (report.files, dict(report.matched), report.queued) == (3, {"A": 1, "B": 1}, 1)
    with database.unit_of_work() as session:
        files = session.scalars(select(ReferralFileRow).order_by(ReferralFileRow.id)).all()
        return {f.file_name or "": f.id for f in files}


def test_engine_grades_known_files_and_queues_the_rest(
    database: Database, graded: dict[str, int]
) -> None:
    with database.unit_of_work() as session:
        rows = {f.file_name: f for f in session.scalars(select(ReferralFileRow))}
    assert (rows["f1.jpg"].grade_status, rows["f1.jpg"].category, rows["f1.jpg"].match_kind) == (
        "matched",
        "A",
        "md5",
    )
    assert (rows["f2.jpg"].category, rows["f2.jpg"].match_kind, rows["f2.jpg"].match_distance) == (
        "B",
        "pdq",
        2,
    )
    assert rows["f2.jpg"].match_record_id == "9" and rows["f2.jpg"].match_set == "national"
    assert (rows["f3.jpg"].grade_status, rows["f3.jpg"].category) == ("queued", None)


def _vote(database: Database, grader: str, file_id: int, category: str) -> str:
    (view,) = cast_votes(database, analyst(grader), [f"referral:{file_id}"], category)
    return view.status


def test_three_independent_votes_settle_a_queued_file(
    database: Database, graded: dict[str, int]
) -> None:
    unknown = graded["f3.jpg"]
    assert _vote(database, "g1", unknown, "C") == GradeStatus.PROVISIONAL
    assert _vote(database, "g1", unknown, "C") == GradeStatus.PROVISIONAL  # replaces g1's first
    assert _vote(database, "g2", unknown, "C") == GradeStatus.PROVISIONAL
    assert _vote(database, "g3", unknown, "C") == GradeStatus.SETTLED
    assert _vote(database, "g4", unknown, "B") == GradeStatus.DISPUTED
    with database.unit_of_work() as session:
        row = session.get(ReferralFileRow, unknown)
        assert row is not None and (row.grade_status, row.category) == ("disputed", None)
        assert [(v.grader, v.category) for v in row.votes][-1] == ("g4", "B")


def test_a_supervisor_resolves_a_dispute_with_a_reason(
    database: Database, graded: dict[str, int]
) -> None:
    unknown = f"referral:{graded['f3.jpg']}"
    cast_votes(database, analyst("g1"), [unknown], "B")
    with pytest.raises(NotNow, match="not disputed"):
        resolve_dispute(database, coordinator(), unknown, "B", "too early")
    cast_votes(database, analyst("g2"), [unknown], "C")
    with pytest.raises(AccessDenied):  # an analyst votes; the coordinator resolves
        resolve_dispute(database, analyst("g3"), unknown, "B", "mine")
    with pytest.raises(GradingError, match="reason"):
        resolve_dispute(database, coordinator(), unknown, "B", "  ")
    view = resolve_dispute(database, coordinator(), unknown, "B", "the body proportions")
    assert (view.status, view.category) == ("settled", "B")
    assert view.votes[-1].kind == "resolution" and view.votes[-1].reason == "the body proportions"
    assert audited_as(database, "referral_file.resolve", graded["f3.jpg"])


def test_who_may_vote_and_on_what(database: Database, graded: dict[str, int]) -> None:
    force_examiner = Actor("f", "E23000001", frozenset({Role.FORENSIC_EXAMINER}))
    with pytest.raises(NotFound):  # a referral's file is the coordinator's: a force never sees it
        cast_votes(database, force_examiner, [f"referral:{graded['f3.jpg']}"], "C")
    assert audited_as(database, "referral_file.denied", graded["f3.jpg"])
    national_auditor = Actor("a", "NCA", frozenset({Role.AUDITOR}))  # reads, never votes
    with pytest.raises(AccessDenied):
        cast_votes(database, national_auditor, [f"referral:{graded['f3.jpg']}"], "C")
    assert audited_as(database, "referral_file.refused", graded["f3.jpg"])
    with pytest.raises(NotNow, match="not waiting"):
        cast_votes(database, analyst("g1"), [f"referral:{graded['f1.jpg']}"], "C")
    with pytest.raises(NotFound):
        cast_votes(database, analyst("g1"), ["referral:10000"], "C")
    for bad in (["scan"], ["referral:x"], ["file:1"], ["referral:0"], []):
        with pytest.raises(GradingError):
            cast_votes(database, analyst("g1"), bad, "C")
    with pytest.raises(GradingError, match="category"):
        cast_votes(database, analyst("g1"), [f"referral:{graded['f3.jpg']}"], "Z")


def test_a_bulk_vote_is_all_or_nothing(database: Database, graded: dict[str, int]) -> None:
    files = [f"referral:{graded['f3.jpg']}", f"referral:{graded['f1.jpg']}"]  # f1 is matched
    with pytest.raises(NotNow):
        cast_votes(database, analyst("g1"), files, "C")
    with database.unit_of_work() as session:
        assert session.get_one(ReferralFileRow, graded["f3.jpg"]).votes == []


def test_a_rejected_match_is_suppressed_from_then_on_and_can_be_undone(
    database: Database, graded: dict[str, int], tmp_path: Path
) -> None:
    store = KnownHashStore(tmp_path / "hs.sqlite")
    matched = f"referral:{graded['f2.jpg']}"  # category B by PDQ
    with pytest.raises(GradingError, match="reason"):
        decide_match(database, store, analyst("g1"), matched, "rejected", "")
    view = decide_match(database, store, analyst("g1"), matched, "rejected", "a beach scene")
    assert (view.status, view.category, view.decision) == ("queued", None, "rejected")
    assert NEGATIVE_BANK in store.versions()
    # a later operation's file with that PDQ is cleared, not matched nor queued
    with database.unit_of_work() as session:
        create_operation(session, Actor.system(), "Op H", date(2026, 10, 2))
    again = referral(9)
    again["files"][0]["hashes"] = [{"type": "PDQ", "value": PDQ_NEAR}]
    path = tmp_path / "again.json"
    path.write_text(json.dumps([again]))
    import_referrals(database, Actor.system(), "Op H", path)
    report = grade_operation(database, store, Actor.system(), "Op H", ["national"])
    assert (report.cleared, report.queued, dict(report.matched)) == (1, 0, {})
    assert report.suppressed == 1
    with pytest.raises(NotNow, match="no match"):
        decide_match(database, store, analyst("g1"), matched, "confirmed")
    view = undo_decision(database, store, analyst("g2"), matched)
    assert (view.status, view.category, view.decision) == ("matched", "B", None)
    bank = store.get_set(NEGATIVE_BANK)
    assert bank.records == 0
    matcher, _ = store.open_matcher(["national"])
    assert [m.record_id for m in matcher.match({"pdq": [PDQ_NEAR]}).matches] == ["9"]
    store.close()
    for action in ("referral_file.match-rejected", "referral_file.match-undo"):
        assert audited_as(database, action, graded["f2.jpg"])


def test_a_match_can_be_confirmed(
    database: Database, graded: dict[str, int], tmp_path: Path
) -> None:
    store = KnownHashStore(tmp_path / "hs.sqlite")
    view = decide_match(database, store, analyst("g1"), f"referral:{graded['f1.jpg']}", "confirmed")
    assert (view.status, view.category, view.decision) == ("matched", "A", "confirmed")
    assert NEGATIVE_BANK not in store.versions()
    store.close()


def test_the_national_queue_groups_near_duplicates(
    database: Database, graded: dict[str, int], tmp_path: Path
) -> None:
    docs = [referral(20), referral(21), referral(22)]
    docs[0]["files"][0]["hashes"] = [{"type": "PDQ", "value": PDQ_KNOWN}]
    docs[1]["files"][0]["hashes"] = [{"type": "PDQ", "value": PDQ_NEAR}]  # 2 bits away
    docs[2]["files"][0]["hashes"] = [{"type": "MD5", "value": "ab" * 16}]
    path = tmp_path / "more.json"
    path.write_text(json.dumps(docs))
    import_referrals(database, Actor.system(), "Op G", path)
    store = KnownHashStore(tmp_path / "empty.sqlite")
    store.ensure_set("none", SetKind.KNOWN)
    grade_operation(database, store, Actor.system(), "Op G", ["none"])
    store.close()
    queue = grading_queue(database, analyst("g1"), operation="Op G", choices="A,B,C")
    sizes = sorted(len(group.files) for group in queue.groups)
    assert (queue.total_files, queue.total_groups, sizes) == (4, 3, [1, 1, 2])
    pair = next(group for group in queue.groups if len(group.files) == 2)
    assert {f.pdq for f in pair.files} == {PDQ_KNOWN, PDQ_NEAR}
    assert [c.key for c in queue.choices] == ["1", "2", "3"]
    assert queue.may_vote and not queue.may_resolve
    for grader in ("g1", "g2", "g3"):
        cast_votes(database, analyst(grader), [f.file for f in pair.files], "A")
    settled = grading_queue(database, analyst("g1"), shown="settled", operation="Op G")
    assert [(g.status, g.category, len(g.files)) for g in settled.groups] == [("settled", "A", 2)]
    left = grading_queue(database, analyst("g1"), operation="Op G")
    assert (left.total_files, left.total_groups) == (2, 2)
    with pytest.raises(GradingError, match="coordinator"):
        grading_queue(
            database, Actor("e", "E23000001", frozenset({Role.FORENSIC_EXAMINER})), "referral"
        )


def test_a_settled_grade_flows_into_the_subjects_evidence_and_risk(
    database: Database, graded: dict[str, int]
) -> None:
    resolve_subjects(database, Actor.system(), "Op G")
    with database.unit_of_work() as session:
        subject_id = session.scalars(
            select(SubjectReferral.subject_id)
            .join(ReferralFileRow, ReferralFileRow.referral_id == SubjectReferral.referral_id)
            .where(ReferralFileRow.id == graded["f3.jpg"])
        ).one()
    before = get_subject(database, Actor.system(), subject_id).evidence_by_category
    assert before == {"A": 1, "B": 1, "not yet graded (queued)": 1}  # one subject's three
    with pytest.raises(OperationError, match="evidence"):  # typed by a person: refused
        assess_subject(database, Actor.system(), subject_id, {"category_a_images"})
    risk = assess_subject(database, Actor.system(), subject_id, set())
    assert "evidence: 1 file(s) graded category A" in risk.reasons  # f1, matched
    for grader in ("g1", "g2", "g3"):
        _vote(database, grader, graded["f3.jpg"], "A")
    after = get_subject(database, Actor.system(), subject_id).evidence_by_category
    assert after == {"A": 2, "B": 1}
    risk = assess_subject(database, Actor.system(), subject_id, set())
    assert "evidence: 2 file(s) graded category A" in risk.reasons
    assert any("category A images (+1)" in reason for reason in risk.reasons)

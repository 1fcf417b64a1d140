"""Intelligence packages: issue, acknowledge, transfer, scoping (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from footprint.errors import Invalid
from footprint.operations.allocation import assign_manually
from footprint.operations.assessments import assess_subject
from footprint.operations.intake import import_referrals
from footprint.operations.package_list import PackageFilter, list_packages
from footprint.operations.packages import (
    acknowledge_package,
    get_package,
    issue_package,
    transfer_package,
)
from footprint.operations.service import OperationError, create_operation
from footprint.operations.subjects import resolve_subjects
from footprint.security.actor import AccessDenied, Actor
from footprint.security.roles import Role
from footprint.store import Database
from footprint.store.models import AuditEntry, Subject
from tests.operations.samples import lone_referral, referral

MET, GMP, KENT = "E23000001", "E23000005", "E23000032"
VERY_HIGH = {"lives_with_children", "grooming", "producing_images"}


def supervisor(org: str) -> Actor:
    return Actor(f"sup-{org}", org, frozenset({Role.FORCE_SUPERVISOR}))


@pytest.fixture
def subject_id(database: Database, tmp_path: Path) -> int:
    with database.unit_of_work() as session:
        create_operation(session, Actor.system(), "Op P", date(2026, 10, 1))
    path = tmp_path / "tips.json"
    path.write_text(json.dumps([referral(1), referral(2)]))  # one subject (shared phone)
    import_referrals(database, Actor.system(), "Op P", path)
    resolve_subjects(database, Actor.system(), "Op P")
    return 1


def test_issue_needs_allocation_and_risk(database: Database, subject_id: int) -> None:
    with pytest.raises(OperationError, match="not allocated"):
        issue_package(database, Actor.system(), subject_id)
    assign_manually(database, Actor.system(), subject_id, MET, "research")
    with pytest.raises(OperationError, match="assess the risk"):
        issue_package(database, Actor.system(), subject_id)
    assess_subject(database, Actor.system(), subject_id, {"lives_with_children"})
    with pytest.raises(AccessDenied):
        issue_package(database, supervisor(MET), subject_id)
    package = issue_package(database, Actor.system(), subject_id)
    assert (package.force, package.status) == (MET, "issued")
    snapshot = package.snapshot
    assert [r["report_id"] for r in snapshot["referrals"]] == ["TIP-000001", "TIP-000002"]
    assert "phone:+447700900123" in snapshot["referrals"][0]["identifiers"]
    assert snapshot["evidence_files_by_category"] == {"not yet graded (ungraded)": 2}
    assert snapshot["risk"]["band"] == "medium"


@pytest.fixture
def package_id(database: Database, subject_id: int) -> int:
    assign_manually(database, Actor.system(), subject_id, MET, "research")
    assess_subject(database, Actor.system(), subject_id, {"grooming", "lives_with_children"})
    return issue_package(database, Actor.system(), subject_id).id


def test_the_holding_force_acknowledges_and_others_see_nothing(
    database: Database, package_id: int
) -> None:
    with pytest.raises(LookupError, match="not found"):
        get_package(database, supervisor(KENT), package_id)
    with pytest.raises(LookupError, match="not found"):
        acknowledge_package(database, supervisor(KENT), package_id)
    assert list_packages(database, supervisor(KENT)) == []
    assert [p.id for p in list_packages(database, supervisor(MET))] == [package_id]
    with pytest.raises(AccessDenied):
        acknowledge_package(database, Actor.system(), package_id)  # the force acknowledges, not NCA
    assert acknowledge_package(database, supervisor(MET), package_id).status == "acknowledged"
    with pytest.raises(OperationError, match="already acknowledged"):
        acknowledge_package(database, supervisor(MET), package_id)
    with database.unit_of_work() as session:
        denied = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "package.denied")
        ).all()
    assert [(e.organisation, e.record_id) for e in denied] == [(KENT, str(package_id))] * 2


def test_transfer_moves_package_and_subject(
    database: Database, package_id: int, subject_id: int
) -> None:
    acknowledge_package(database, supervisor(MET), package_id)
    with pytest.raises(OperationError, match="needs a reason"):
        transfer_package(database, supervisor(MET), package_id, GMP, "")
    with pytest.raises(AccessDenied):
        transfer_package(
            database, Actor("inv", MET, frozenset({Role.INVESTIGATOR})), package_id, GMP, "moved"
        )
    with pytest.raises(OperationError, match="not a police force"):
        transfer_package(database, supervisor(MET), package_id, "NCA", "moved")
    moved = transfer_package(
        database, supervisor(MET), package_id, GMP, "subject lives in Manchester"
    )
    assert (moved.force, moved.status) == (GMP, "issued")
    with pytest.raises(LookupError):
        get_package(database, supervisor(MET), package_id)  # no longer Met's
    assert get_package(database, supervisor(GMP), package_id).snapshot == moved.snapshot
    with database.unit_of_work() as session:
        subject = session.get_one(Subject, subject_id)
        assert subject.force is not None and subject.force.code == GMP
        assert (
            subject.allocation_detail == "transferred from E23000001: subject lives in Manchester"
        )
    assert acknowledge_package(database, supervisor(GMP), package_id).status == "acknowledged"


def test_a_package_carries_what_the_force_acts_on(database: Database, package_id: int) -> None:
    """The referral ids, each capture event (address, port, instant with its zone) and each
    file's name, hashes and grade: a force asks the ISP and searches without the referrals."""
    package = get_package(database, supervisor(MET), package_id)
    first = package.snapshot["referrals"][0]
    assert isinstance(first["id"], int) and first["received_at"].endswith("+00:00")
    assert first["incident_at"] == "2026-10-01T12:00:00+00:00"
    assert first["ip_events"] == [
        {
            "ip": "203.0.113.7",
            "port": 51234,
            "at": "2026-10-01T12:00:00+00:00",  # given as 13:00 BST: the same instant
            "event": "Login",
            "possible_proxy": False,
        }
    ]
    (file,) = first["files"]
    assert file["file_name"] == "f1.jpg" and file["graded"] == "not yet graded (ungraded)"
    assert file["hashes"] == {"md5": f"{1:032x}", "pdq": "ab" * 32}
    assert package.case_id is None
    opened = acknowledge_package(database, supervisor(MET), package_id)
    assert opened.case_id is not None
    assert get_package(database, supervisor(MET), package_id).case_id == opened.case_id


def test_the_package_list_filters_and_sorts(
    database: Database, package_id: int, tmp_path: Path
) -> None:
    path = tmp_path / "more.json"
    path.write_text(json.dumps([lone_referral(7), lone_referral(8)]))
    import_referrals(database, Actor.system(), "Op P", path)
    resolve_subjects(database, Actor.system(), "Op P")
    with database.unit_of_work() as session:
        waiting = session.scalars(
            select(Subject.id).where(Subject.id != 1).order_by(Subject.id)
        ).all()
    low, very_high = waiting
    for subject, factors in ((low, {"other_convictions"}), (very_high, VERY_HIGH)):
        assign_manually(database, Actor.system(), subject, MET, "research")
        assess_subject(database, Actor.system(), subject, factors)
    low_id = issue_package(database, Actor.system(), low).id
    top_id = issue_package(database, Actor.system(), very_high).id
    acknowledge_package(database, supervisor(MET), low_id)
    reader = supervisor(MET)

    def ids(wanted: PackageFilter | None = None, sort: str | None = None) -> list[int]:
        return [p.id for p in list_packages(database, reader, wanted, sort=sort)]

    assert ids() == [top_id, package_id, low_id]  # soonest deadline: 1 day, 7 days, 90 days
    assert ids(sort="-risk") == [top_id, package_id, low_id]
    assert ids(sort="risk") == [low_id, package_id, top_id]
    assert ids(PackageFilter.checked(status="acknowledged")) == [low_id]
    assert ids(PackageFilter.checked(band="very-high")) == [top_id]
    assert ids(PackageFilter.checked(due="awaiting")) == [top_id, package_id, low_id]
    assert ids(PackageFilter.checked(due="overdue")) == []
    later = datetime.now(UTC) + timedelta(days=8)  # a week on, two deadlines have passed
    overdue = list_packages(database, reader, PackageFilter.checked(due="overdue"), now=later)
    assert [(p.id, p.overdue) for p in overdue] == [(top_id, True), (package_id, True)]
    (row,) = [p for p in list_packages(database, reader) if p.id == low_id]
    assert row.case_id is not None and row.case_state == "received"
    with pytest.raises(Invalid, match="due: 'late' is not one of awaiting, overdue"):
        PackageFilter.checked(due="late")
    with pytest.raises(Invalid, match="sort: 'size'"):
        list_packages(database, reader, sort="size")

"""Intelligence packages: issue, acknowledge, transfer, scoping (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from footprint.operations.allocation import assign_manually
from footprint.operations.assessments import assess_subject
from footprint.operations.intake import import_referrals
from footprint.operations.packages import (
    acknowledge_package,
    get_package,
    issue_package,
    list_packages,
    transfer_package,
)
from footprint.operations.service import OperationError, create_operation
from footprint.operations.subjects import resolve_subjects
from footprint.security.actor import AccessDenied, Actor
from footprint.security.roles import Role
from footprint.store import Database
from footprint.store.models import AuditEntry, Subject
from tests.operations.samples import referral

MET, GMP, KENT = "E23000001", "E23000005", "E23000032"


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

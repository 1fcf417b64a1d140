"""Cases: opened on acknowledgement, workflow, outcomes, bail clock, safeguarding, scoping."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from footprint.operations.bail import bail_expiring, extend_bail, start_bail
from footprint.operations.case_workflow import InvalidTransition
from footprint.operations.cases import (
    advance_case,
    get_case,
    list_cases,
    record_charge,
    record_children,
    record_safeguarding_action,
    record_search,
    set_flags,
)
from footprint.operations.device_scans import link_device_scan, record_device
from footprint.operations.outcomes import Offence, OutcomeError
from footprint.operations.packages import acknowledge_package, transfer_package
from footprint.operations.service import OperationError
from footprint.security.actor import AccessDenied, Actor
from footprint.security.roles import Role
from footprint.store import Database
from footprint.store.models import AuditEntry, Case, IntelPackage, SeizedDevice
from tests.operations.cases_setup import (
    GMP,
    KENT,
    MET,
    finished_scan,
    investigator,
    open_cases,
    supervisor,
)


@pytest.fixture
def case_id(database: Database, tmp_path: Path) -> int:
    return open_cases(database, tmp_path, [MET])[0]


def walk(database: Database, case_id: int, *states: str) -> None:
    for state in states:
        advance_case(database, investigator(MET), case_id, state)


def test_acknowledging_a_package_opens_a_received_case(database: Database, case_id: int) -> None:
    case = get_case(database, investigator(MET), case_id)
    assert (case.force, case.state) == (MET, "received")
    assert case.allowed_next == ["researching", "transferred"]
    assert case.history[0]["to"] == "received"
    assert [c.id for c in list_cases(database, supervisor(MET))] == [case_id]
    with database.unit_of_work() as session:  # the package's sort keys, kept on its case
        row = session.get_one(Case, case_id)
        package = session.get_one(IntelPackage, row.package_id)
        assert (row.risk_band, row.deadline) == (package.risk_band, package.deadline)
    assert case.risk_band == package.risk_band


def test_invalid_transition_is_refused_with_the_allowed_steps(
    database: Database, case_id: int
) -> None:
    with pytest.raises(InvalidTransition, match="allowed from received: researching, transferred"):
        advance_case(database, investigator(MET), case_id, "charged")
    with pytest.raises(OperationError, match="not a case state"):
        advance_case(database, investigator(MET), case_id, "flying")
    with pytest.raises(OperationError, match="footprint case bail"):
        advance_case(database, investigator(MET), case_id, "on-bail")
    assert get_case(database, investigator(MET), case_id).state == "received"


def test_another_force_gets_not_found_and_is_audited(database: Database, case_id: int) -> None:
    with pytest.raises(LookupError, match="not found"):
        get_case(database, investigator(KENT), case_id)
    with pytest.raises(LookupError, match="not found"):
        advance_case(database, supervisor(KENT), case_id, "researching")
    with pytest.raises(LookupError, match="not found"):
        record_search(database, investigator(KENT), case_id, "1 Any Road", date(2026, 11, 1))
    assert list_cases(database, investigator(KENT)) == []
    assert get_case(database, Actor.system(), case_id).state == "received"  # the coordinator
    with database.unit_of_work() as session:
        denied = session.scalars(select(AuditEntry).where(AuditEntry.action == "case.denied")).all()
    assert [(e.organisation, e.record_id) for e in denied] == [(KENT, str(case_id))] * 3


def test_roles_that_may_not_write_are_refused(database: Database, case_id: int) -> None:
    auditor = Actor("aud", MET, frozenset({Role.AUDITOR}))
    assert get_case(database, auditor, case_id).id == case_id
    with pytest.raises(AccessDenied, match="investigator"):
        advance_case(database, auditor, case_id, "researching")
    examiner = Actor("exam", MET, frozenset({Role.FORENSIC_EXAMINER}))
    record_device(database, examiner, case_id, "EX-1", "laptop", date(2026, 11, 2))
    with pytest.raises(AccessDenied):
        advance_case(database, examiner, case_id, "researching")


def test_outcomes_and_charging_summary_from_triage(
    database: Database, case_id: int, tmp_path: Path
) -> None:
    walk(database, case_id, "researching", "warrant-applied", "warrant-granted", "search-executed")
    record_search(database, investigator(MET), case_id, "1 Example Street", date(2026, 11, 3))
    examiner = Actor("exam", MET, frozenset({Role.FORENSIC_EXAMINER}))
    record_device(database, examiner, case_id, "EX-1", "laptop", date(2026, 11, 3))
    record_device(database, examiner, case_id, "EX-2", "phone", date(2026, 11, 3))
    with pytest.raises(OutcomeError, match="already recorded"):
        record_device(database, examiner, case_id, "EX-1", "again", date(2026, 11, 3))
    with database.unit_of_work() as session:
        laptop = session.scalars(select(SeizedDevice.id).where(SeizedDevice.exhibit_ref == "EX-1"))
        device_id = laptop.one()
    unfinished = tmp_path / "partial"
    unfinished.mkdir()
    (unfinished / "scan.json").write_text(json.dumps({"complete": False}))
    (unfinished / "summary.json").write_text("{}")
    with pytest.raises(OutcomeError, match="has not finished"):
        link_device_scan(database, examiner, device_id, unfinished)
    scan = finished_scan(tmp_path, {"A": 3, "B": 10, "C": 250, "non-pertinent": 40})
    case = link_device_scan(database, examiner, device_id, scan)
    assert case.charging_summary == {"A": 3, "B": 10, "C": 250}
    kent_examiner = Actor("x", KENT, frozenset({Role.FORENSIC_EXAMINER}))
    with pytest.raises(LookupError, match=f"^device {device_id}: not found$"):
        link_device_scan(database, kent_examiner, device_id, scan)
    with database.unit_of_work() as session:
        denied = session.scalars(select(AuditEntry).where(AuditEntry.action == "device.denied"))
        assert [(e.organisation, e.record_id) for e in denied] == [(KENT, str(device_id))]
    walk(database, case_id, "arrested")
    with pytest.raises(OperationError, match="charged first"):
        record_charge(database, investigator(MET), case_id, Offence.MAKING, None, date(2026, 12, 1))
    walk(database, case_id, "charged")
    record_charge(database, investigator(MET), case_id, Offence.MAKING, None, date(2026, 12, 1))
    case = record_charge(
        database,
        investigator(MET),
        case_id,
        Offence.DISTRIBUTING,
        {"A": 0, "B": 0, "C": 12},
        date(2026, 12, 1),
    )
    assert [(c["offence"], c["images_a"], c["images_c"]) for c in case.charges] == [
        ("making", 3, 250),
        ("distributing", 0, 12),
    ]
    case = set_flags(
        database,
        investigator(MET),
        case_id,
        position_of_trust=True,
        position_of_trust_detail="teacher",
        registered_sex_offender=False,
    )
    assert (case.position_of_trust, case.registered_sex_offender) == (True, False)
    assert [d["exhibit_ref"] for d in case.devices] == ["EX-1", "EX-2"]
    assert case.searches[0]["address"] == "1 Example Street"
    walk(database, case_id, "closed")
    with pytest.raises(InvalidTransition, match="none"):
        advance_case(database, investigator(MET), case_id, "researching")


def test_bail_clock_with_authorisers(database: Database, case_id: int) -> None:
    walk(database, case_id, "researching", "warrant-applied", "warrant-granted", "search-executed")
    with pytest.raises(InvalidTransition):
        start_bail(database, investigator(MET), case_id, date(2026, 10, 10), ["x"], "Insp A")
    advance_case(database, investigator(MET), case_id, "arrested", on=date(2026, 10, 9))
    with pytest.raises(OutcomeError, match="at least one condition"):
        start_bail(database, investigator(MET), case_id, date(2026, 10, 10), [" "], "Insp A")
    conditions = ["no unsupervised contact with any child under 18", "stay away from the park"]
    with pytest.raises(
        OutcomeError, match=r"2026-10-08 would start before the arrest it follows \(2026-10-09\)"
    ):
        start_bail(database, investigator(MET), case_id, date(2026, 10, 8), conditions, "Insp A")
    case = start_bail(
        database, investigator(MET), case_id, date(2026, 10, 10), conditions, "Insp A"
    )
    assert case.state == "on-bail"
    assert (case.bail[0]["expires_on"], case.bail[0]["stage"]) == (date(2027, 1, 9), "3-months")
    case = extend_bail(database, supervisor(MET), case_id, "Supt B")
    assert (case.bail[0]["expires_on"], case.bail[0]["stage"]) == (date(2027, 4, 9), "6-months")
    case = extend_bail(database, supervisor(MET), case_id, "ACC C")
    assert case.bail[0]["expires_on"] == date(2027, 7, 9)
    with pytest.raises(OutcomeError, match="magistrates' court"):
        extend_bail(database, supervisor(MET), case_id, "Westminster MC")
    case = extend_bail(database, supervisor(MET), case_id, "Westminster MC", date(2027, 10, 9))
    assert [(x["authority"], x["authorised_by"]) for x in case.bail[0]["extensions"]] == [
        ("superintendent", "Supt B"),
        ("assistant chief constable or commander", "ACC C"),
        ("magistrates' court", "Westminster MC"),
    ]
    due = bail_expiring(database, supervisor(MET), today=date(2027, 9, 26))
    assert [(d.case_id, d.days_left) for d in due] == [(case_id, 13)]
    assert bail_expiring(database, supervisor(MET), today=date(2027, 9, 24)) == []
    assert bail_expiring(database, supervisor(KENT), today=date(2027, 9, 26)) == []
    case = advance_case(database, investigator(MET), case_id, "charged")
    assert case.bail[0]["active"] is False  # charge ends bail
    assert bail_expiring(database, supervisor(MET), today=date(2027, 9, 26)) == []


def test_safeguarding_children_and_actions(database: Database, case_id: int) -> None:
    record_children(database, investigator(MET), case_id, 2, "5-10", "own-child", True)
    with pytest.raises(OutcomeError, match="age_band: '12' is not one of"):
        record_children(database, investigator(MET), case_id, 1, "12", "own-child", False)
    with pytest.raises(OutcomeError, match="count"):
        record_children(database, investigator(MET), case_id, 0, "0-4", "own-child", False)
    for kind in (
        "social-care-referral",
        "strategy-discussion",
        "lado-referral",
        "parent-carer-alerted",
        "bail-condition-set",
    ):
        record_safeguarding_action(
            database, investigator(MET), case_id, kind, date(2026, 11, 5), "DC Owner"
        )
    with pytest.raises(OutcomeError, match="kind: 'hug' is not one of"):
        record_safeguarding_action(
            database, investigator(MET), case_id, "hug", date(2026, 11, 5), "x"
        )
    with pytest.raises(OutcomeError, match="owner"):
        record_safeguarding_action(
            database, investigator(MET), case_id, "lado-referral", date(2026, 11, 5), " "
        )
    case = get_case(database, investigator(MET), case_id)
    assert case.children[0]["count"] == 2 and case.children[0]["immediate_risk"] is True
    assert len(case.safeguarding_actions) == 5
    with pytest.raises(LookupError):
        record_children(database, investigator(GMP), case_id, 1, "0-4", "own-child", False)


def test_transfer_closes_this_case_and_the_new_force_opens_its_own(
    database: Database, case_id: int
) -> None:
    walk(database, case_id, "researching")
    with database.unit_of_work() as session:
        package_id = session.get_one(Case, case_id).package_id
    transfer_package(database, supervisor(MET), package_id, GMP, "subject moved to Manchester")
    old = get_case(database, supervisor(MET), case_id)
    assert (old.state, old.allowed_next) == ("transferred", [])
    acknowledge_package(database, supervisor(GMP), package_id)
    (new,) = list_cases(database, supervisor(GMP))
    assert (new.state, new.package_id) == ("received", package_id)
    with pytest.raises(LookupError):
        get_case(database, supervisor(GMP), case_id)

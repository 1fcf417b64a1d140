"""Data that can be trusted: days checked against today and the operation's start, bail not
before its arrest, the same charge, exhibit scan or open package not recorded twice, and risk
flags carried from the assessment to the case (SQLite, and PostgreSQL in CI's second pass)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from footprint.clock import service_day
from footprint.errors import Conflict
from footprint.operations.cases import advance_case, get_case, record_charge, record_search
from footprint.operations.device_scans import link_device_scan, record_device
from footprint.operations.outcome_record import Outcome, record_outcome
from footprint.operations.outcomes import Offence, OutcomeError
from footprint.operations.packages import issue_package
from footprint.operations.withdrawals import withdraw_entry
from footprint.security.actor import AccessDenied, Actor
from footprint.security.roles import Role
from footprint.store import Database
from footprint.store.models import AuditEntry, Case
from tests.operations.cases_setup import MET, finished_scan, investigator, open_cases

TOMORROW = service_day() + timedelta(days=1)
BEFORE_THE_OPERATION = date(2026, 8, 31)  # Op Case began on 1 September 2026


@pytest.fixture
def case_id(database: Database, tmp_path: Path) -> int:
    (opened,) = open_cases(database, tmp_path, [MET])
    return opened


def _walk(database: Database, case_id: int, *states: str) -> None:
    for state in states:
        advance_case(database, investigator(MET), case_id, state, on=date(2026, 10, 1))


@pytest.mark.parametrize("day", [TOMORROW, BEFORE_THE_OPERATION])
def test_a_search_seizure_or_step_on_an_impossible_day_is_refused(
    database: Database, case_id: int, day: date
) -> None:
    began = r"is before operation Op Case began \(2026-09-01\)"
    said = "is in the future" if day == TOMORROW else began
    with pytest.raises(OutcomeError, match=f"searched_on: {day.isoformat()} {said}"):
        record_search(database, investigator(MET), case_id, "1 Example Street", day)
    with pytest.raises(OutcomeError, match=f"seized_on: {day.isoformat()} {said}"):
        record_device(database, investigator(MET), case_id, "EX-1", "phone", day)
    with pytest.raises(OutcomeError, match=f"on: {day.isoformat()} {said}"):
        advance_case(database, investigator(MET), case_id, "researching", on=day)
    case = get_case(database, investigator(MET), case_id)
    assert (case.state, case.searches, case.devices) == ("received", [], [])


def test_a_charge_on_an_impossible_day_or_twice_is_refused(
    database: Database, case_id: int
) -> None:
    _walk(database, case_id, "researching", "voluntary-interview", "charged")
    with pytest.raises(OutcomeError, match=r"charged_on: .* is in the future"):
        record_charge(database, investigator(MET), case_id, Offence.MAKING, None, TOMORROW)
    day = date(2026, 11, 2)
    record_charge(database, investigator(MET), case_id, Offence.MAKING, {"A": 1}, day)
    with pytest.raises(Conflict, match="making on 2026-11-02 is already recorded on case"):
        record_charge(database, investigator(MET), case_id, Offence.MAKING, {"A": 1}, day)
    record_charge(database, investigator(MET), case_id, Offence.DISTRIBUTING, {"A": 1}, day)
    charges = get_case(database, investigator(MET), case_id).charges
    assert [c["offence"] for c in charges] == ["making", "distributing"]


def test_one_scan_is_one_exhibits(database: Database, tmp_path: Path) -> None:
    first, second = open_cases(database, tmp_path, [MET, MET])
    scan = finished_scan(tmp_path, {"A": 2})
    examiner = investigator(MET)
    one = record_device(database, examiner, first, "EX-1", "phone", date(2026, 11, 1))
    link_device_scan(database, examiner, one.devices[0]["id"], scan)
    other = record_device(database, examiner, second, "EX-2", "laptop", date(2026, 11, 1))
    with pytest.raises(Conflict, match=f"already linked to exhibit EX-1 of case {first}"):
        link_device_scan(database, examiner, other.devices[0]["id"], scan)
    assert get_case(database, examiner, second).charging_summary["A"] == 0  # not counted twice
    relinked = link_device_scan(database, examiner, one.devices[0]["id"], scan)  # its own again
    assert relinked.charging_summary["A"] == 2


def test_a_second_package_for_an_open_case_needs_a_reason(database: Database, case_id: int) -> None:
    with database.unit_of_work() as session:
        subject_id = session.get_one(Case, case_id).subject_id
    with pytest.raises(Conflict, match=f"subject {subject_id}: package .* is still open"):
        issue_package(database, Actor.system(), subject_id)
    second = issue_package(database, Actor.system(), subject_id, "new referrals after the search")
    with database.unit_of_work() as session:
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "package.issue", AuditEntry.record_id == str(second.id)
            )
        ).one()
        assert entry.detail["reason"] == "new referrals after the search"


def test_risk_flags_from_the_assessment_carry_over_to_the_case(
    database: Database, tmp_path: Path
) -> None:
    factors = frozenset({"registered_sex_offender", "position_of_trust"})
    (flagged,) = open_cases(database, tmp_path, [MET], factors)
    case = get_case(database, investigator(MET), flagged)
    assert (case.registered_sex_offender, case.position_of_trust) == (True, True)
    (plain,) = open_cases(database, tmp_path, [MET])
    case = get_case(database, investigator(MET), plain)
    assert (case.registered_sex_offender, case.position_of_trust) == (False, False)


def test_an_outcome_is_recorded_whole_or_not_at_all(database: Database, tmp_path: Path) -> None:
    first, second = open_cases(database, tmp_path, [MET, MET])
    scan = finished_scan(tmp_path, {"A": 2, "C": 5})
    day = date(2026, 11, 3)
    whole = record_outcome(
        database,
        investigator(MET),
        first,
        Outcome(on=day, search="1 Example Street", device="EX-1", description="phone", scan=scan),
    )
    assert (len(whole.searches), len(whole.devices), whole.charging_summary["C"]) == (1, 1, 5)
    # the same scan for the second case's device: refused, and so are the search and the device
    with pytest.raises(Conflict, match="already linked to exhibit EX-1"):
        record_outcome(
            database,
            investigator(MET),
            second,
            Outcome(on=day, search="2 Example Street", device="EX-2", scan=scan),
        )
    with pytest.raises(OutcomeError, match=r"seized_on: .* is in the future"):
        record_outcome(database, investigator(MET), second, Outcome(on=TOMORROW, device="EX-3"))
    examiner = Actor("met.examiner", MET, frozenset({Role.FORENSIC_EXAMINER}))
    with pytest.raises(AccessDenied):  # an examiner records devices, not searches
        record_outcome(database, examiner, second, Outcome(on=day, search="3", device="EX-4"))
    untouched = get_case(database, investigator(MET), second)
    assert (untouched.searches, untouched.devices) == ([], [])
    alone = record_outcome(database, examiner, second, Outcome(on=day, device="EX-5"))
    assert [d["exhibit_ref"] for d in alone.devices] == ["EX-5"]


def test_a_wrong_record_is_withdrawn_with_a_reason_and_leaves_the_counts(
    database: Database, tmp_path: Path
) -> None:
    (case_id,) = open_cases(database, tmp_path, [MET])
    scan = finished_scan(tmp_path, {"A": 2, "B": 3})
    day = date(2026, 11, 3)
    record_outcome(
        database,
        investigator(MET),
        case_id,
        Outcome(on=day, search="1 Wrong Street", device="EX-1", scan=scan),
    )
    case = get_case(database, investigator(MET), case_id)
    search_id, device_id = case.searches[0]["id"], case.devices[0]["id"]
    assert case.charging_summary == {"A": 2, "B": 3, "C": 0}
    with pytest.raises(OutcomeError, match="reason: a withdrawal needs a reason"):
        withdraw_entry(database, investigator(MET), case_id, "search", search_id, " ")
    with pytest.raises(OutcomeError, match="kind: 'warrant' is not one of"):
        withdraw_entry(database, investigator(MET), case_id, "warrant", search_id, "x")
    with pytest.raises(LookupError, match=f"charge {search_id}: not found on case {case_id}"):
        withdraw_entry(database, investigator(MET), case_id, "charge", search_id, "x")
    case = withdraw_entry(
        database, investigator(MET), case_id, "device", device_id, "scan of the wrong phone"
    )
    assert case.charging_summary == {"A": 0, "B": 0, "C": 0}  # the device left the counts
    (device,) = case.devices  # ...and stays on the case, marked
    assert device["withdrawn_at"].tzinfo is not None  # an instant always with its zone
    assert (device["withdrawn_by"], device["withdrawn_reason"]) == (
        investigator(MET).username,
        "scan of the wrong phone",
    )
    with pytest.raises(Conflict, match="already withdrawn"):
        withdraw_entry(database, investigator(MET), case_id, "device", device_id, "again")
    # corrected: the same exhibit recorded again, with the scan the withdrawal freed
    fixed = record_outcome(
        database, investigator(MET), case_id, Outcome(on=day, device="EX-1", scan=scan)
    )
    assert fixed.charging_summary == {"A": 2, "B": 3, "C": 0} and len(fixed.devices) == 2
    withdraw_entry(database, investigator(MET), case_id, "search", search_id, "wrong address")
    with database.unit_of_work() as session:
        reasons = [
            e.detail["reason"]
            for e in session.scalars(select(AuditEntry).where(AuditEntry.action == "case.withdraw"))
        ]
    assert reasons == ["scan of the wrong phone", "wrong address"]

"""The file for the prosecutor: what the case holds, standing, with the exhibits' continuity and
the audit trail's verification; never imagery, and only for the force's caseworkers."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from footprint.operations.bail import start_bail
from footprint.operations.case_file import case_file, case_file_html
from footprint.operations.cases import advance_case, record_charge, record_children
from footprint.operations.outcome_record import Outcome, record_outcome
from footprint.operations.outcomes import Offence
from footprint.operations.withdrawals import withdraw_entry
from footprint.security.actor import AccessDenied, Actor
from footprint.store import Database
from footprint.store.models import AuditEntry
from tests.operations.cases_setup import GMP, MET, finished_scan, investigator, open_cases

DAY = date(2026, 11, 3)


@pytest.fixture
def charged(database: Database, tmp_path: Path) -> tuple[int, Path]:
    """A Met case searched, its phone scanned, arrested, bailed and charged twice (one charge
    withdrawn in error); its scan folder."""
    (case_id,) = open_cases(database, tmp_path, [MET])
    scan = finished_scan(tmp_path, {"A": 2, "B": 1, "C": 7})
    inv = investigator(MET)
    for state in ("researching", "warrant-applied", "warrant-granted", "search-executed"):
        advance_case(database, inv, case_id, state, on=DAY)
    record_outcome(
        database,
        inv,
        case_id,
        Outcome(
            on=DAY, search="1 <b>Example</b> Street", device="EX-1", description="phone", scan=scan
        ),
    )
    advance_case(database, inv, case_id, "arrested", on=DAY)
    start_bail(database, inv, case_id, DAY, ["no-unsupervised-contact"], "Insp A")
    record_children(database, inv, case_id, 2, "5-10", "own-child", True)
    advance_case(database, inv, case_id, "charged", on=date(2026, 11, 20))
    record_charge(database, inv, case_id, Offence.MAKING, None, date(2026, 11, 20))
    wrong = record_charge(database, inv, case_id, Offence.SHOWING, {"A": 1}, date(2026, 11, 20))
    withdraw_entry(
        database, inv, case_id, "charge", wrong.charges[-1]["id"], "no evidence of showing"
    )
    return case_id, scan


def test_the_file_holds_the_standing_offences_exhibits_and_a_verified_audit_trail(
    database: Database, charged: tuple[int, Path]
) -> None:
    case_id, scan = charged
    prepared = case_file(database, investigator(MET), case_id)
    (offence,) = prepared.offences  # the withdrawn charge is not an offence charged
    assert (offence["offence"], offence["statute"]) == (
        "making",
        "Protection of Children Act 1978 s.1(1)(a)",
    )
    assert offence["images"] == {"A": 2, "B": 1, "C": 7} and offence["total_images"] == 10
    assert prepared.images_from_triage == {"A": 2, "B": 1, "C": 7}
    (exhibit,) = prepared.exhibits
    assert (exhibit["exhibit_ref"], exhibit["seized_on"], exhibit["recorded_by"]) == (
        "EX-1",
        DAY,
        investigator(MET).username,
    )
    assert exhibit["examined_by"] == investigator(MET).username and exhibit["examined_at"]
    assert len(exhibit["scan_summary_sha256"]) == 64 and exhibit["summary_unchanged"] is True
    assert [w["reason"] for w in prepared.withdrawn] == ["no evidence of showing"]
    assert prepared.bail[0]["conditions"] and prepared.safeguarding["children"][0]["count"] == 2
    assert prepared.audit.intact and prepared.audit.entries_checked > 10 and not prepared.notes
    assert (prepared.force, prepared.force_name) == (MET, "Metropolitan Police")
    text = json.dumps(dataclasses.asdict(prepared), default=str)
    assert str(scan) not in text and "thumbnail" not in text  # no way to any picture
    with database.unit_of_work() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "case.file")).one()
        assert (entry.actor, entry.record_id, entry.detail["audit_intact"]) == (
            investigator(MET).username,
            str(case_id),
            True,
        )


def test_a_scan_summary_changed_since_it_was_linked_is_called_out(
    database: Database, charged: tuple[int, Path]
) -> None:
    case_id, scan = charged
    (scan / "summary.json").write_text(json.dumps({"matched_files_by_category": {"A": 99}}))
    prepared = case_file(database, investigator(MET), case_id)
    assert prepared.exhibits[0]["summary_unchanged"] is False
    assert prepared.notes == [
        "exhibit EX-1: the scan summary on disk no longer matches the digest recorded when it "
        "was linked"
    ]


def test_the_printable_file_escapes_what_people_typed(
    database: Database, charged: tuple[int, Path]
) -> None:
    case_id, _scan = charged
    html = case_file_html(case_file(database, investigator(MET), case_id))
    assert html.startswith("<!doctype html>") and "Case file for the prosecutor" in html
    assert "Protection of Children Act 1978 s.1(1)(a)" in html
    assert "1 &lt;b&gt;Example&lt;/b&gt; Street" in html and "<b>Example</b>" not in html
    assert "GMT" in html  # times in UK local time, the zone shown
    assert "<img" not in html


def test_only_the_forces_caseworkers_prepare_it(
    database: Database, charged: tuple[int, Path]
) -> None:
    case_id, _scan = charged
    with pytest.raises(AccessDenied):
        case_file(database, Actor.system(), case_id)  # the coordinator has no part in it
    with pytest.raises(LookupError):
        case_file(database, investigator(GMP), case_id)  # another force's reads as missing

"""The demo's daily casework, so that `make demo` shows each thing a force lives with at least
once: a late referral that ties two people together (a merge, and an identifier seen in
several referrals), packages left unacknowledged past their deadline, bail ending soon, tasks,
a case handed to another officer, and a seized device withdrawn as recorded in error. All
through the services, as the demo's own users; all of it invented."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from footprint.clock import service_day
from footprint.operations import cases, device_scans
from footprint.operations.bail import start_bail
from footprint.operations.case_workflow import CaseState
from footprint.operations.intake import import_referrals
from footprint.operations.officers import assign_officer
from footprint.operations.outcomes import USUAL_BAIL_CONDITIONS
from footprint.operations.subjects import resolve_subjects
from footprint.operations.tasks import add_task
from footprint.operations.withdrawals import withdraw_entry
from footprint.security.actor import Actor
from footprint.security.roles import Role
from footprint.store import Database
from footprint.store.models import Case, IntelPackage, Organisation, SubjectMerge

MET = "E23000001"
SUPERVISOR = Actor("met.supervisor", MET, frozenset({Role.FORCE_SUPERVISOR}))
INVESTIGATOR = Actor(
    "met.investigator", MET, frozenset({Role.INVESTIGATOR, Role.FORENSIC_EXAMINER})
)
LATE_REPORT = "SYN-LATE-0001"
BRIDGED_EMAIL = "person0@example.org"  # the first synthetic person, referred again below
OVERDUE_PACKAGES = 3


@dataclass(slots=True)
class Showcase:
    """One example of each feature, to point a newcomer at (printed by `footprint demo-data`)."""

    examples: dict[str, str] = field(default_factory=dict)


def tie_two_people(db: Database, coordinator: Actor, operation: str, work: Path) -> str:
    """A late referral naming the first synthetic person's e-mail and the second's phone: the
    next resolution merges their subjects. Returns what the merge left behind to look at."""
    doc = {
        "source": "NCMEC",
        "report_id": LATE_REPORT,
        "incident_type": "Apparent child pornography",
        "incident_at": "2026-11-20T10:00:00Z",
        "reported_person": {
            "emails": [BRIDGED_EMAIL],
            "phones": ["07700 900001"],  # the second synthetic person's
            "addresses": [],
            "ip_events": [],
        },
        "files": [],
        "prior_report_ids": [],
    }
    path = work / "late-referral.json"
    path.write_text(json.dumps([doc]))
    import_referrals(db, coordinator, operation, path)
    resolve_subjects(db, coordinator, operation)
    with db.unit_of_work() as session:
        merge = session.scalars(select(SubjectMerge).order_by(SubjectMerge.id.desc())).first()
    if merge is None:
        return "no merge: the two people were one subject already"
    return f"subject {merge.absorbed_id} merged into {merge.survivor_id} ({merge.reason})"


def show_casework(db: Database, showcase: Showcase, operation_start: date) -> None:
    """The Met's share of the demo's daily work, on cases the demo opened there."""
    with db.unit_of_work() as session:
        met_cases = list(
            session.scalars(
                select(Case.id)
                .join(Organisation, Organisation.id == Case.force_id)
                .where(Organisation.code == MET, Case.state == CaseState.RECEIVED)
                .order_by(Case.id)
            )
        )
    if len(met_cases) < 3:  # a very small demo: say so rather than leave it out unseen
        showcase.examples["casework"] = "not shown: fewer than 3 Met cases waiting to be worked"
        return
    bailed, handed, corrected = met_cases[:3]
    today = service_day()
    showcase.examples["bail due"] = _bail_ending_soon(db, bailed, operation_start)
    assign_officer(db, SUPERVISOR, handed, INVESTIGATOR.username, "workload: demo")
    showcase.examples["officer reassigned"] = f"case {handed} to {INVESTIGATOR.username}"
    view = add_task(
        db, SUPERVISOR, handed, "Visit the school", INVESTIGATOR.username, today + timedelta(1)
    )
    showcase.examples["task"] = (
        f"task {view.tasks[-1]['id']} on case {handed}, due tomorrow "
        f"(sign in as {INVESTIGATOR.username}: My tasks)"
    )
    showcase.examples["correction"] = _withdrawn_device(db, corrected)


def _bail_ending_soon(db: Database, case_id: int, operation_start: date) -> str:
    """Arrested and bailed long enough ago that the three months end within a fortnight."""
    day = max(service_day() - timedelta(days=80), operation_start)
    for state in (
        CaseState.RESEARCHING,
        CaseState.WARRANT_APPLIED,
        CaseState.WARRANT_GRANTED,
        CaseState.SEARCH_EXECUTED,
        CaseState.ARRESTED,
    ):
        cases.advance_case(db, INVESTIGATOR, case_id, state, on=day)
    conditions = [USUAL_BAIL_CONDITIONS["no-home-with-children"]]
    view = start_bail(db, SUPERVISOR, case_id, day, conditions, "Insp Demo")
    return f"case {case_id}: bail ends {view.bail[-1]['expires_on']}"


def _withdrawn_device(db: Database, case_id: int) -> str:
    """A device recorded against the wrong case, withdrawn with a reason (it stays, struck)."""
    view = device_scans.record_device(
        db, INVESTIGATOR, case_id, f"EX-{case_id}-WRONG", "phone", service_day()
    )
    device = view.devices[-1]["id"]
    withdraw_entry(db, INVESTIGATOR, case_id, "device", device, "recorded on the wrong case")
    return f"case {case_id}: device {device} withdrawn (recorded on the wrong case)"


def leave_packages_overdue(db: Database, showcase: Showcase) -> None:
    """The demo is loaded in a minute, so no deadline has passed yet: a few unacknowledged
    packages are dated as issued when their subjects were assessed weeks ago (synthetic data,
    like every other date the demo invents) so that the overdue views have something in them."""
    with db.unit_of_work() as session:
        waiting = list(
            session.scalars(
                select(IntelPackage.id)
                .where(IntelPackage.status == "issued")
                .order_by(IntelPackage.id)
                .limit(OVERDUE_PACKAGES)
            )
        )
        weeks_ago = datetime.now(UTC) - timedelta(days=21)
        for package_id in waiting:
            session.execute(
                update(IntelPackage)
                .where(IntelPackage.id == package_id)
                .values(issued_at=weeks_ago, deadline=weeks_ago + timedelta(days=7))
            )
    if waiting:
        showcase.examples["overdue package"] = f"package {waiting[0]} (Packages: deadline overdue)"

"""Several outcomes of a case recorded as one act (`footprint case record-outcome`): a search, a
seized device with its triage scan, a charge, the case's flags. One transaction: a refusal of
any part (a scan already linked, a day in the future, a role short) leaves none of it recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from footprint.operations.case_view import CaseView, case_view, writable_case
from footprint.operations.cases import add_charge, add_search, apply_flags
from footprint.operations.device_scans import add_device, attach_scan, read_scan_counts
from footprint.operations.outcomes import Offence, OutcomeError
from footprint.operations.scoping import scoped_unit_of_work
from footprint.security.actor import Actor
from footprint.security.permissions import Action, require
from footprint.store import Database


@dataclass(frozen=True, slots=True)
class Outcome:
    on: date  # the day each part happened
    search: str | None = None  # the address searched
    device: str | None = None  # the exhibit reference of a device seized
    description: str = ""
    scan: Path | None = None  # the device's finished triage scan
    charge: Offence | None = None
    images: dict[str, int] | None = None  # None: the devices' scans give the counts
    position_of_trust: str | None = None  # the position held
    registered_sex_offender: bool = False

    def needs_case_record(self) -> bool:
        flags = self.position_of_trust is not None or self.registered_sex_offender
        return bool(self.search or self.charge or flags)

    def is_empty(self) -> bool:
        return not (self.device or self.needs_case_record())


def record_outcome(db: Database, actor: Actor, case_id: int, outcome: Outcome) -> CaseView:
    """Every part of the outcome, or none of it."""
    if outcome.is_empty():
        raise OutcomeError("outcome: nothing to record (a search, a device, a charge or a flag)")
    if outcome.scan is not None and not outcome.device:
        raise OutcomeError("scan: a scan is linked to the device seized (name its exhibit)")
    scan = read_scan_counts(outcome.scan) if outcome.scan is not None else None  # files first
    with scoped_unit_of_work(db, actor, "case", case_id) as session:
        first = Action.DEVICE_RECORD if outcome.device else Action.CASE_RECORD
        case = writable_case(session, actor, case_id, first)
        if outcome.needs_case_record():  # a device alone is an examiner's to record too
            require(actor, Action.CASE_RECORD, f"case {case_id}")
        if outcome.search:
            add_search(session, actor, case, outcome.search, outcome.on)
        if outcome.device:
            device = add_device(
                session, actor, case, outcome.device, outcome.description, outcome.on
            )
            if scan is not None and outcome.scan is not None:
                attach_scan(session, actor, device, outcome.scan, *scan)
        if outcome.charge:
            add_charge(session, actor, case, outcome.charge, outcome.images, outcome.on)
        if outcome.position_of_trust is not None or outcome.registered_sex_offender:
            apply_flags(
                session,
                actor,
                case,
                position_of_trust=True if outcome.position_of_trust is not None else None,
                position_of_trust_detail=outcome.position_of_trust,
                registered_sex_offender=True if outcome.registered_sex_offender else None,
            )
        return case_view(session, case)

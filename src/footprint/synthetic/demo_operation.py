"""A realistic synthetic operation loaded through the services, for demos and trying things out:
referrals taken in, graded, resolved, allocated, assessed, packaged, and cases carried forward
to the outcomes a real operation reaches (searches, arrests, bail, charges, safeguarding).
Everything is benign and invented (see synthetic/referrals.py)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from footprint.geo.forces import COORDINATOR_CODE, police_forces
from footprint.geo.postcodes import load_postcodes
from footprint.hashsets import KnownHashStore
from footprint.operations import cases, device_scans
from footprint.operations.allocation import allocate_operation
from footprint.operations.assessments import assess_subject
from footprint.operations.bail import start_bail
from footprint.operations.case_workflow import CaseState
from footprint.operations.figures import publish_figures
from footprint.operations.grading import grade_operation
from footprint.operations.intake import import_referrals
from footprint.operations.outcomes import USUAL_BAIL_CONDITIONS, Offence
from footprint.operations.packages import acknowledge_package, issue_package
from footprint.operations.resolution import SubjectStatus
from footprint.operations.risk import TYPED_FACTORS
from footprint.operations.service import create_operation
from footprint.operations.subjects import lookup_identifier, resolve_subjects
from footprint.security.actor import Actor
from footprint.security.credentials import set_password
from footprint.security.reference_data import prepare_database
from footprint.security.roles import Role
from footprint.security.users import add_user
from footprint.store import Database
from footprint.store.models import Case, Operation, Subject
from footprint.synthetic.demo_casework import (
    BRIDGED_EMAIL,
    Showcase,
    leave_packages_overdue,
    show_casework,
    tie_two_people,
)
from footprint.synthetic.operation import (
    KNOWN_SET,
    build_known_set,
    write_postcode_table,
    write_referrals,
)

DEMO_OPERATION = "Operation Demo"
STARTS_ON = date(2026, 9, 1)
MET, GMP = "E23000001", "E23000005"
DEMO_USERS = (
    ("coordinator", COORDINATOR_CODE, [Role.COORDINATOR, Role.ANALYST]),
    ("auditor", COORDINATOR_CODE, [Role.AUDITOR]),
    ("met.supervisor", MET, [Role.FORCE_SUPERVISOR]),
    ("met.investigator", MET, [Role.INVESTIGATOR, Role.FORENSIC_EXAMINER]),
    ("gmp.supervisor", GMP, [Role.FORCE_SUPERVISOR]),
    ("gmp.investigator", GMP, [Role.INVESTIGATOR, Role.FORENSIC_EXAMINER]),
)
# the demo's users all sign in to the web app with this; a real deployment sets each password
# with `footprint users set-password`
DEMO_PASSWORD = "demo-only-password"
CASES_WORKED = 500  # each case is a dozen audited service calls; enough to show every outcome
Step = Callable[[str, int], None]  # (what is happening, how many steps it has)


@dataclass(slots=True)
class DemoSummary:
    referrals: int = 0
    subjects: int = 0
    packages: int = 0
    cases: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    already_loaded: bool = False
    examples: dict[str, str] = field(default_factory=dict)  # one of each feature, to look at


def load_demo_operation(
    db: Database,
    store: KnownHashStore,
    work: Path,
    referrals: int = 2_000,
    seed: int = 2026,
    on_step: Step | None = None,
    advance: Callable[[int], None] | None = None,
) -> DemoSummary:
    """Load the demo operation once; a second call finds it and changes nothing."""
    step = on_step or (lambda _what, _total: None)
    tick = advance or (lambda _n: None)
    summary = DemoSummary()
    prepare_database(db)
    with db.unit_of_work() as session:
        if session.scalar(select(Operation).where(Operation.name == DEMO_OPERATION)) is not None:
            summary.already_loaded = True
            return summary
    coordinator = Actor.system()
    forces = [f.code for f in police_forces()]
    work.mkdir(parents=True, exist_ok=True)
    with db.unit_of_work() as session:
        for username, org, roles in DEMO_USERS:
            add_user(session, coordinator, username, org, roles)
            set_password(session, coordinator, username, DEMO_PASSWORD)
        create_operation(session, coordinator, DEMO_OPERATION, STARTS_ON)
        load_postcodes(session, write_postcode_table(work / "postcode-table.csv", forces), "table")
    step("referrals in, graded, resolved, allocated", 4)
    known = build_known_set(store, work)
    path = write_referrals(work / "referrals.jsonl", referrals, forces, known, seed)
    summary.referrals = import_referrals(db, coordinator, DEMO_OPERATION, path).imported
    tick(1)
    grade_operation(db, store, coordinator, DEMO_OPERATION, [KNOWN_SET])
    tick(1)
    resolve_subjects(db, coordinator, DEMO_OPERATION)
    summary.examples["merge"] = tie_two_people(db, coordinator, DEMO_OPERATION, work)
    summary.referrals += 1  # the late one
    seen = len(lookup_identifier(db, coordinator, "email", BRIDGED_EMAIL))
    summary.examples["deconfliction hit"] = (
        f"{BRIDGED_EMAIL} is in {seen} referrals (footprint subjects lookup email {BRIDGED_EMAIL})"
    )
    tick(1)
    allocate_operation(db, coordinator, DEMO_OPERATION)
    tick(1)
    _packages_and_cases(db, random.Random(seed), summary, step, tick)
    showcase = Showcase(summary.examples)
    show_casework(db, showcase, STARTS_ON)
    leave_packages_overdue(db, showcase)
    publish_figures(db, coordinator, DEMO_OPERATION, STARTS_ON + timedelta(days=90), False, True)
    return summary


def _packages_and_cases(
    db: Database, rng: random.Random, summary: DemoSummary, step: Step, tick: Callable[[int], None]
) -> None:
    coordinator = Actor.system()
    with db.unit_of_work() as session:
        allocated = list(
            session.execute(
                select(Subject.id, Subject.force_id)
                .where(Subject.status == SubjectStatus.ACTIVE, Subject.force_id.is_not(None))
                .order_by(Subject.id)
            )
        )
    summary.subjects = len(allocated)
    step("risk assessed, packages issued", len(allocated))
    factors = sorted(TYPED_FACTORS)  # category A images come from the evidence
    for subject_id, _force_id in allocated:
        chosen = set(rng.sample(factors, rng.choice((0, 1, 1, 2, 3))))
        assess_subject(db, coordinator, subject_id, chosen)
        package = issue_package(db, coordinator, subject_id)
        summary.packages += 1
        if rng.random() < 0.85:
            acknowledge_package(db, _force_user(package.force), package.id)
            summary.cases += 1
        tick(1)
    with db.unit_of_work() as session:
        opened = list(session.scalars(select(Case.id).order_by(Case.id)))
    worked = sorted(rng.sample(opened, min(len(opened), CASES_WORKED)))  # the rest: received
    step("cases worked", len(worked))
    for case_id in worked:
        _work_case(db, rng, case_id, summary)
        tick(1)


def _force_user(force_code: str) -> Actor:
    return Actor(
        f"demo.{force_code}", force_code, frozenset({Role.FORCE_SUPERVISOR, Role.INVESTIGATOR})
    )


# How far cases get, roughly as in a national operation a few months in
_PATHS: tuple[tuple[float, tuple[CaseState, ...]], ...] = (
    (0.25, ()),
    (0.15, (CaseState.RESEARCHING,)),
    (0.10, (CaseState.RESEARCHING, CaseState.WARRANT_APPLIED)),
    (0.10, (CaseState.RESEARCHING, CaseState.VOLUNTARY_INTERVIEW)),
    (
        0.40,
        (
            CaseState.RESEARCHING,
            CaseState.WARRANT_APPLIED,
            CaseState.WARRANT_GRANTED,
            CaseState.SEARCH_EXECUTED,
            CaseState.ARRESTED,
        ),
    ),
)


def _path(rng: random.Random) -> tuple[CaseState, ...]:
    roll = rng.random()
    for share, path in _PATHS:
        if roll < share:
            return path
        roll -= share
    return _PATHS[-1][1]


def _work_case(db: Database, rng: random.Random, case_id: int, summary: DemoSummary) -> None:
    view = cases.get_case(db, Actor.system(), case_id)
    actor = _force_user(view.force)
    day = STARTS_ON + timedelta(days=rng.randrange(20, 60))
    path = _path(rng)
    for state in path:
        cases.advance_case(db, actor, case_id, state, on=day)
        if state is CaseState.SEARCH_EXECUTED:
            cases.record_search(db, actor, case_id, "synthetic address", day)
            for n in range(rng.choice((1, 2, 3))):
                device_scans.record_device(
                    db, actor, case_id, f"EX-{case_id}-{n}", "seized device", day
                )
    if path and path[-1] in (CaseState.ARRESTED, CaseState.VOLUNTARY_INTERVIEW):
        _conclude(db, rng, actor, case_id, day, arrested=path[-1] is CaseState.ARRESTED)
    if rng.random() < 0.3:
        children = rng.choice((1, 1, 2, 3))
        cases.record_children(
            db,
            actor,
            case_id,
            children,
            rng.choice(("0-4", "5-10", "11-15")),
            rng.choice(("own-child", "partners-child", "relative")),
            rng.random() < 0.3,
        )
        cases.record_safeguarding_action(db, actor, case_id, "social-care-referral", day, "DS Demo")
    if rng.random() < 0.05:
        cases.set_flags(
            db, actor, case_id, position_of_trust=True, position_of_trust_detail="teacher"
        )
    if rng.random() < 0.04:
        cases.set_flags(db, actor, case_id, registered_sex_offender=True)
    final = cases.get_case(db, actor, case_id).state
    summary.outcomes[final] = summary.outcomes.get(final, 0) + 1


def _conclude(
    db: Database, rng: random.Random, actor: Actor, case_id: int, day: date, arrested: bool
) -> None:
    roll = rng.random()
    if roll < 0.45 and arrested:  # bail only follows an arrest
        conditions = [USUAL_BAIL_CONDITIONS["no-unsupervised-contact"]]
        start_bail(db, actor, case_id, day, conditions, "Insp Demo")
    elif roll < 0.75:
        cases.advance_case(db, actor, case_id, CaseState.RELEASED_UNDER_INVESTIGATION)
    elif roll < 0.95:
        cases.advance_case(db, actor, case_id, CaseState.CHARGED)
        cases.record_charge(
            db,
            actor,
            case_id,
            Offence.MAKING,
            {"A": rng.randrange(0, 20), "B": rng.randrange(0, 60), "C": rng.randrange(10, 400)},
            day + timedelta(days=30),
        )
    else:
        cases.advance_case(db, actor, case_id, CaseState.NO_FURTHER_ACTION)

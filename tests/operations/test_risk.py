"""The risk assessor (pure) and assessments with overrides on the store (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from footprint.operations.allocation import assign_manually
from footprint.operations.assessments import assess_subject, current_risk, override_risk
from footprint.operations.intake import import_referrals
from footprint.operations.risk import FACTORS, Band, RiskModel, assess
from footprint.operations.service import OperationError, create_operation
from footprint.operations.subjects import resolve_subjects
from footprint.security.actor import AccessDenied, Actor
from footprint.security.roles import Role
from footprint.store import Database
from footprint.store.models import AuditEntry
from tests.operations.samples import referral

MET, KENT = "E23000001", "E23000032"


def test_bands_and_reasons() -> None:
    assert assess(set()).band is Band.LOW and assess(set()).reasons == ("score 0: low",)
    medium = assess({"sexual_offence_allegation", "other_convictions"})
    assert (medium.band, medium.score) == (Band.MEDIUM, 3)
    assert medium.reasons[0] == "previous behaviour: previous allegation of a sexual offence (+2)"
    high = assess({"lives_with_children", "distribution", "category_a_images"})
    assert (high.band, high.score) == (Band.HIGH, 7)
    very_high = assess({"lives_with_children", "grooming", "sexual_communication"})
    assert very_high.band is Band.VERY_HIGH
    floored = assess({"producing_images"})  # 6 points alone, but producing images floors at high
    assert (
        floored.band is Band.HIGH
        and "floor: producing indecent images means at least high" in floored.reasons
    )
    with pytest.raises(ValueError, match="unknown"):
        assess({"likes_cats"})


def test_risk_is_about_children_not_volume() -> None:
    """Many category A images alone stay below a subject with access to children and grooming."""
    volume = assess({"category_a_images", "distribution"})
    access = assess({"access_to_other_children", "grooming"})
    assert (volume.band, access.band) == (Band.MEDIUM, Band.HIGH)


def test_model_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "risk.toml"
    path.write_text(
        "[weights]\ngrooming = 20\n[thresholds]\nvery-high = 15\n[deadline_days]\nlow = 60\n"
    )
    model = RiskModel.from_toml(path)
    assert assess({"grooming"}, model).band is Band.VERY_HIGH
    assert model.deadline_days[Band.LOW] == 60 and model.weights["incitement"] == 5
    path.write_text("[weights]\nmystery = 3\n")
    with pytest.raises(ValueError, match="mystery"):
        RiskModel.from_toml(path)
    assert set(RiskModel().weights) == set(FACTORS)


@pytest.fixture
def subject_id(database: Database, tmp_path: Path) -> int:
    with database.unit_of_work() as session:
        create_operation(session, Actor.system(), "Op K", date(2026, 10, 1))
    path = tmp_path / "tips.json"
    path.write_text(json.dumps([referral(1)]))
    import_referrals(database, Actor.system(), "Op K", path)
    resolve_subjects(database, Actor.system(), "Op K")
    assign_manually(database, Actor.system(), 1, MET, "test")
    return 1


def test_assess_override_and_deadlines(database: Database, subject_id: int) -> None:
    before = datetime.now(UTC)
    view = assess_subject(database, Actor.system(), subject_id, {"lives_with_children", "grooming"})
    after = datetime.now(UTC)
    assert view.band is Band.HIGH and view.score == 9
    assert before + timedelta(days=7) <= view.deadline <= after + timedelta(days=7)  # high: 7 days
    supervisor = Actor("sup", MET, frozenset({Role.FORCE_SUPERVISOR}))
    with pytest.raises(OperationError, match="needs a recorded reason"):
        override_risk(database, supervisor, subject_id, Band.VERY_HIGH, "")
    with pytest.raises(AccessDenied):
        override_risk(
            database, Actor("inv", MET, frozenset({Role.INVESTIGATOR})), subject_id, Band.LOW, "x"
        )
    overridden = override_risk(
        database, supervisor, subject_id, Band.VERY_HIGH, "child at immediate risk"
    )
    assert (overridden.band, overridden.assessed_band) == (Band.VERY_HIGH, Band.HIGH)
    assert overridden.deadline - view.deadline == timedelta(days=1 - 7)
    assert current_risk(database, supervisor, subject_id) == overridden
    with pytest.raises(OperationError, match="unknown"):
        assess_subject(database, Actor.system(), subject_id, {"nonsense"})


def test_other_forces_cannot_see_the_subject_and_are_audited(
    database: Database, subject_id: int
) -> None:
    assess_subject(database, Actor.system(), subject_id, {"grooming"})
    kent = Actor("sup", KENT, frozenset({Role.FORCE_SUPERVISOR}))
    with pytest.raises(LookupError, match="not found"):
        current_risk(database, kent, subject_id)
    with pytest.raises(LookupError, match="not found"):
        override_risk(database, kent, subject_id, Band.LOW, "mine now")
    with pytest.raises(LookupError, match="not found"):
        assess_subject(database, kent, subject_id, set())
    with pytest.raises(LookupError, match="not found"):
        current_risk(database, kent, 999)  # absent reads the same as not yours
    with database.unit_of_work() as session:
        denied = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "subject.denied")
        ).all()
    assert [(e.organisation, e.record_id) for e in denied] == [(KENT, "1")] * 3

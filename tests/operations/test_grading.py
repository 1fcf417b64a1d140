"""Referral files graded by the detection engine, then by people (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from footprint.hashsets import ImportOptions, KnownHashStore, UnifiedCategory, import_file
from footprint.hashsets.grading import GradeStatus
from footprint.hashsets.schemes import parse_uk_codes
from footprint.operations.grading import grade_operation, record_vote
from footprint.operations.intake import import_referrals
from footprint.operations.service import create_operation
from footprint.security.actor import AccessDenied, Actor
from footprint.security.roles import Role
from footprint.store import Database
from footprint.store.models import ReferralFileRow
from tests.hashsets.vics_samples import media, write_hashset
from tests.operations.samples import referral

PDQ_KNOWN = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ_NEAR = "f8f8f0cee0f4a84f06370a2a038f63f0b36e26d596621e1d33e6b39c4e9c9b22"


def analyst(name: str) -> Actor:
    return Actor(name, "NCA", frozenset({Role.ANALYST}))


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


def test_three_independent_votes_settle_a_queued_file(
    database: Database, graded: dict[str, int]
) -> None:
    unknown = graded["f3.jpg"]
    assert (
        record_vote(database, analyst("g1"), unknown, UnifiedCategory.C) is GradeStatus.PROVISIONAL
    )
    assert (
        record_vote(database, analyst("g1"), unknown, UnifiedCategory.C) is GradeStatus.PROVISIONAL
    )
    assert (
        record_vote(database, analyst("g2"), unknown, UnifiedCategory.C) is GradeStatus.PROVISIONAL
    )
    assert record_vote(database, analyst("g3"), unknown, UnifiedCategory.C) is GradeStatus.SETTLED
    assert record_vote(database, analyst("g4"), unknown, UnifiedCategory.B) is GradeStatus.DISPUTED
    with database.unit_of_work() as session:
        row = session.get(ReferralFileRow, unknown)
        assert row is not None and (row.grade_status, row.category) == ("disputed", None)


def test_who_may_vote_and_on_what(database: Database, graded: dict[str, int]) -> None:
    force_analyst = Actor("f", "E23000001", frozenset({Role.ANALYST}))
    with pytest.raises(AccessDenied):
        record_vote(database, force_analyst, graded["f3.jpg"], UnifiedCategory.C)
    with pytest.raises(LookupError, match="not waiting"):
        record_vote(database, analyst("g1"), graded["f1.jpg"], UnifiedCategory.C)
    with pytest.raises(LookupError):
        record_vote(database, analyst("g1"), 10_000, UnifiedCategory.C)

"""New material: a file people graded indecent that no set knows goes on the list, flags say what
examiners know of it, and the export is a hash set the next force matches against."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from footprint.hashsets import ImportOptions, KnownHashStore, import_file
from footprint.hashsets.model import UnifiedCategory
from footprint.hashsets.schemes import parse_uk_codes
from footprint.operations.graded_files import cast_votes
from footprint.operations.grading import grade_operation
from footprint.operations.intake import import_referrals
from footprint.operations.new_material import (
    FlagError,
    export_new_material,
    flag_files,
    new_material,
)
from footprint.security.actor import AccessDenied, Actor
from footprint.security.roles import Role
from footprint.store import Database
from footprint.store.models import AuditEntry, ReferralFileRow
from tests.operations.samples import referral
from tests.operations.test_grading import analyst

MET = "E23000001"


def _settle(database: Database, file_id: int, category: str) -> None:
    for grader in ("g1", "g2", "g3"):
        cast_votes(database, analyst(grader), [f"referral:{file_id}"], category)


def _files(database: Database, actor: Actor | None = None) -> list[str]:
    return [item.file for item in new_material(database, actor or analyst("reader"), "Op G")]


def test_a_settled_indecent_grade_nothing_matched_is_new_material(
    database: Database, graded: dict[str, int]
) -> None:
    unknown = f"referral:{graded['f3.jpg']}"
    assert _files(database) == []  # matched files are known already; the unknown is not graded
    cast_votes(database, analyst("g1"), [unknown], "B")
    assert _files(database) == []  # one vote does not settle it
    _settle(database, graded["f3.jpg"], "B")
    (item,) = new_material(database, analyst("reader"), "Op G")
    assert (item.file, item.category, item.name) == (unknown, "B", "f3.jpg")
    assert item.signals == {"md5": "ee" * 16} and len(item.votes) == 4  # g1 voted twice
    assert item.where == "Op G · referral TIP-000003"
    non_pertinent = graded["f3.jpg"]
    for grader in ("g1", "g2", "g3"):  # re-graded non-pertinent by all three: not new material
        cast_votes(database, analyst(grader), [f"referral:{non_pertinent}"], "non-pertinent")
    assert _files(database) == []


def test_examiners_flag_files_with_a_reason_and_may_overrule_the_rule(
    database: Database, graded: dict[str, int]
) -> None:
    unknown, matched = f"referral:{graded['f3.jpg']}", f"referral:{graded['f1.jpg']}"
    _settle(database, graded["f3.jpg"], "A")
    (view,) = flag_files(
        database,
        analyst("g1"),
        [unknown],
        {"victim_identified": True, "series": " Lighthouse "},
        "victim named in the series report",
    )
    assert (view.victim_identified, view.series, view.new_material, view.new_material_by) == (
        True,
        "Lighthouse",
        True,
        "rule",
    )
    (item,) = new_material(database, analyst("reader"), "Op G")
    assert (item.victim_identified, item.series) == (True, "Lighthouse")
    flag_files(database, analyst("g1"), [unknown], {"new_material": False}, "seen at NCA before")
    assert _files(database) == []
    flag_files(database, analyst("g1"), [matched], {"new_material": True}, "the match was wrong")
    assert _files(database) == [matched]
    (back,) = flag_files(database, analyst("g2"), [unknown], {"new_material": None}, "my error")
    assert (back.new_material, back.new_material_by) == (True, "rule")
    assert _files(database) == [unknown, matched] or _files(database) == sorted([unknown, matched])
    with database.unit_of_work() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "referral_file.flags")
        ).all()
        assert [e.detail["reason"] for e in entries] == [
            "victim named in the series report",
            "seen at NCA before",
            "the match was wrong",
            "my error",
        ]
        assert entries[1].detail["before"] == {"new_material": None}


@pytest.mark.parametrize(
    ("changes", "reason", "said"),
    [
        ({"series": "x"}, " ", "reason: a flag needs a reason"),
        ({}, "why", "flags: none given"),
        ({"category": "A"}, "why", "category: not a flag"),
        ({"victim_identified": "yes"}, "why", "victim_identified: expected true, false or null"),
        ({"series": "s" * 201}, "why", "series: longer than 200 characters"),
    ],
)
def test_a_bad_flag_is_refused_naming_the_field(
    database: Database, graded: dict[str, int], changes: dict[str, object], reason: str, said: str
) -> None:
    with pytest.raises(FlagError, match=said):
        flag_files(database, analyst("g1"), [f"referral:{graded['f3.jpg']}"], changes, reason)
    with database.unit_of_work() as session:
        row = session.get_one(ReferralFileRow, graded["f3.jpg"])
        assert (row.victim_identified, row.series, row.new_material) == (None, None, None)


def test_a_force_sees_none_of_the_referrals_new_material(
    database: Database, graded: dict[str, int]
) -> None:
    _settle(database, graded["f3.jpg"], "A")
    examiner = Actor("met.examiner", MET, frozenset({Role.FORENSIC_EXAMINER}))
    assert new_material(database, examiner) == []
    with pytest.raises(AccessDenied):
        new_material(database, Actor("met.inv", MET, frozenset({Role.INVESTIGATOR})))
    with pytest.raises(LookupError):  # another force's file reads as missing
        flag_files(database, examiner, [f"referral:{graded['f3.jpg']}"], {"series": "x"}, "mine")


@pytest.mark.parametrize(
    ("fmt", "shape"),
    [
        ("vics", "hashset"),
        ("vics", "case"),
        ("vics-1.3", "hashset"),
        ("csv", "hashset"),
        ("icse", "hashset"),
    ],
)
def test_new_material_goes_out_as_a_set_the_next_operation_matches_against(
    database: Database, graded: dict[str, int], tmp_path: Path, fmt: str, shape: str
) -> None:
    _settle(database, graded["f3.jpg"], "B")
    flag_files(database, analyst("g1"), [f"referral:{graded['f3.jpg']}"], {"series": "S"}, "s")
    out = io.StringIO()
    assert export_new_material(database, analyst("g1"), out, "Op G", fmt, shape) == 1
    path = tmp_path / "new-material.out"
    path.write_text(out.getvalue())
    with KnownHashStore(tmp_path / "national.sqlite") as store:
        report = import_file(store, path, "returned", ImportOptions())
        assert (report.imported, report.skipped) == (1, [])
        (record,) = store.records(store.get_set("returned").id)
        assert (record.md5, record.series) == ("ee" * 16, "S")
        if fmt != "icse":  # ICSE carries no grade and no votes
            assert record.category is UnifiedCategory.B and len(record.votes) == 3
        # the next referral of the same file is known at once
        again = referral(40)
        again["files"][0]["hashes"] = [{"type": "MD5", "value": "EE" * 16}]
        tips = tmp_path / "again.json"
        tips.write_text(json.dumps([again]))
        import_referrals(database, Actor.system(), "Op G", tips)
        graded_again = grade_operation(database, store, Actor.system(), "Op G", ["returned"])
        assert sum(graded_again.matched.values()) == 1
    with database.unit_of_work() as session:
        (entry,) = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "new-material.export")
        ).all()
        assert entry.detail == {"format": fmt, "files": [f"referral:{graded['f3.jpg']}"]}


def test_with_the_deployments_uk_codes_new_material_goes_out_as_them(
    database: Database, graded: dict[str, int], tmp_path: Path
) -> None:
    _settle(database, graded["f3.jpg"], "B")
    codes = parse_uk_codes("1=A,2=B,9=B,3=C")
    out = io.StringIO()
    assert export_new_material(database, analyst("g1"), out, "Op G", "vics", "case", codes) == 1
    document = json.loads(out.getvalue())
    assert "/2.0.xml/UK/$metadata#Cases" in document["@odata.context"]
    (media,) = document["value"][0]["Media"]
    assert media["Category"] == 2  # B's lowest code, as a UK review tool reads it
    path = tmp_path / "uk.json"
    path.write_text(out.getvalue())
    with KnownHashStore(tmp_path / "national.sqlite") as store:
        report = import_file(store, path, "uk", ImportOptions(uk_codes=codes))
        assert (report.imported, report.skipped) == (1, [])
        (record,) = store.records(store.get_set("uk").id)
        assert (record.category, record.source_category) == (UnifiedCategory.B, "2")

"""Allocation from postcodes to police force areas (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from footprint.errors import RecordError
from footprint.geo.postcodes import load_postcodes
from footprint.operations.allocation import (
    Allocation,
    allocate_operation,
    allocation_queue,
    assign_manually,
    decide,
)
from footprint.operations.intake import import_referrals
from footprint.operations.service import create_operation
from footprint.operations.subjects import resolve_subjects
from footprint.security.actor import AccessDenied, Actor
from footprint.security.roles import Role
from footprint.store import Database
from footprint.store.models import Organisation, Referral, Subject, SubjectReferral
from tests.operations.samples import referral

MET, GMP, PSNI = "E23000001", "E23000005", "N99999999"
ONSPD_HEADER = (  # the ONSPD column layout (only pcds and pfa are read)
    "pcd,pcd2,pcds,dointr,doterm,oscty,ced,oslaua,osward,parish,usertype,oseast1m,"
    "osnrth1m,osgrdind,oshlthau,nhser,ctry,rgn,streg,pcon,eer,teclec,ttwa,pct,"
    "itl,statsward,oa01,casward,npark,lsoa01,msoa01,ur01ind,oac01,oa11,lsoa11,"
    "msoa11,wz11,sicbl,bua24,ru11ind,oac11,lat,long,lep1,lep2,pfa,imd,calncv,"
    "icb,oa21,lsoa21,msoa21,ruc21ind,oac21"
)


def onspd_row(pcds: str, pfa: str) -> str:
    columns = ONSPD_HEADER.split(",")
    values = {c: "" for c in columns}
    values.update(pcd=pcds.replace(" ", ""), pcds=pcds, pfa=pfa, ctry="E92000001")
    return ",".join(values[c] for c in columns)


def test_the_rule() -> None:
    table = {"SW1A 1AA": (MET, "onspd"), "M1 1AE": (GMP, "onspd"), "BT1": (PSNI, "table")}

    def lookup(key: str) -> tuple[str, str] | None:
        return table.get(key)

    assert decide([], lookup) == Allocation(None, None, "no postcode in any referral")
    assert decide(["SW1A 1AA", "SW1A 1AA"], lookup) == Allocation(
        MET, "onspd", "SW1A 1AA -> E23000001"
    )
    assert decide(["BT1 5GS"], lookup).pfa == PSNI  # outward code from an explicit table
    conflict = decide(["SW1A 1AA", "M1 1AE"], lookup)
    assert conflict.pfa is None and "different forces" in conflict.detail
    partial = decide(["SW1A 1AA", "ZZ9 9ZZ"], lookup)
    assert partial.pfa == MET and "not found: ZZ9 9ZZ" in partial.detail
    assert decide(["ZZ9 9ZZ"], lookup).detail == "postcode(s) not found: ZZ9 9ZZ"


def with_postcode(n: int, postcode: str | None, email: str) -> dict[str, Any]:
    doc = referral(n)
    doc["reported_person"].update(
        emails=[email], phones=[], screen_names=[], esp_user_ids=[], ip_events=[]
    )
    doc["reported_person"]["addresses"] = [{"postcode": postcode}] if postcode else []
    return doc


@pytest.fixture
def loaded(database: Database, tmp_path: Path) -> Database:
    onspd = tmp_path / "ONSPD_NOV_2026_UK.csv"
    onspd.write_text(
        "\n".join(
            [
                ONSPD_HEADER,
                onspd_row("SW1A 1AA", MET),
                onspd_row("M1 1AE", GMP),
                onspd_row("M1 1AF", "E23000099"),  # not a force: skipped
                onspd_row("NOT A POSTCODE", MET),
            ]
        )
        + "\n"
    )
    table = tmp_path / "corrections.csv"
    table.write_text("postcode,pfa\nBT1,N99999999\nM1 1AE,E23000001\n")
    with database.unit_of_work() as session:
        report = load_postcodes(session, onspd, "onspd")
        assert report.loaded == 2
        assert [(s.record, s.field) for s in report.skipped] == [(4, "pfa"), (5, "pcds")]
        assert load_postcodes(session, table, "table").loaded == 2
        create_operation(session, Actor.system(), "Op A", date(2026, 10, 1))
    docs = [
        with_postcode(1, "sw1a1aa", "a@example.org"),
        with_postcode(2, "BT1 5GS", "b@example.org"),
        with_postcode(3, None, "c@example.org"),
        with_postcode(4, "M1 1AE", "d@example.org"),  # corrected by the table: Met
        with_postcode(5, "ZZ9 9ZZ", "e@example.org"),
    ]
    path = tmp_path / "tips.json"
    path.write_text(json.dumps(docs))
    import_referrals(database, Actor.system(), "Op A", path)
    resolve_subjects(database, Actor.system(), "Op A")
    return database


def subject_of(database: Database, report_id: str) -> int:
    with database.unit_of_work() as session:
        return session.scalars(
            select(SubjectReferral.subject_id)
            .join(Referral, Referral.id == SubjectReferral.referral_id)
            .where(Referral.report_id == report_id)
        ).one()


def test_allocation_chain_and_queue(loaded: Database) -> None:
    report = allocate_operation(loaded, Actor.system(), "Op A")
    assert report.allocated == {MET: 2, PSNI: 1} and report.queued == 2
    with loaded.unit_of_work() as session:
        subject = session.get_one(Subject, subject_of(loaded, "TIP-000004"))
        assert (subject.force.code if subject.force else None, subject.allocation_source) == (
            MET,
            "table",
        )
    queue = dict(allocation_queue(loaded, Actor.system(), "Op A"))
    assert queue[subject_of(loaded, "TIP-000003")] == "no postcode in any referral"
    assert queue[subject_of(loaded, "TIP-000005")] == "postcode(s) not found: ZZ9 9ZZ"
    again = allocate_operation(loaded, Actor.system(), "Op A")  # allocated subjects stay put
    assert (again.allocated, again.queued) == ({}, 2)


def test_manual_assignment(loaded: Database) -> None:
    waiting = subject_of(loaded, "TIP-000003")
    with pytest.raises(ValueError, match="needs a reason"):
        assign_manually(loaded, Actor.system(), waiting, GMP, " ")
    with pytest.raises(LookupError, match="not a police force"):
        assign_manually(loaded, Actor.system(), waiting, "NCA", "x")
    met_analyst = Actor("a", MET, frozenset({Role.ANALYST}))
    with pytest.raises(LookupError, match="not found"):  # unallocated: the coordinator's alone
        assign_manually(loaded, met_analyst, waiting, GMP, "x")
    assign_manually(loaded, Actor.system(), waiting, MET, "first thought")
    with pytest.raises(AccessDenied):  # visible to MET now, but allocation is national
        assign_manually(loaded, met_analyst, waiting, GMP, "x")
    assign_manually(loaded, Actor.system(), waiting, GMP, "address from research")
    with loaded.unit_of_work() as session:
        subject = session.get_one(Subject, waiting)
        force = session.get_one(Organisation, subject.force_id)
        assert (force.code, subject.allocation_source, subject.allocation_detail) == (
            GMP,
            "manual",
            "address from research",
        )
    assert waiting not in dict(allocation_queue(loaded, Actor.system(), "Op A"))


def test_postcode_file_errors(database: Database, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("postcode,force\nSW1A 1AA,E23000001\n")
    with pytest.raises(RecordError, match="missing column"), database.unit_of_work() as session:
        load_postcodes(session, bad, "table")

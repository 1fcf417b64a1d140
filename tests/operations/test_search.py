"""One search box: numbers, exhibit references, report ids and identifiers guessed from their
shape, each found only where the reader may see it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from footprint.errors import Invalid
from footprint.operations.cases import CASE_ORDERS, CaseFilter
from footprint.operations.device_scans import record_device
from footprint.operations.listing import order_from
from footprint.operations.search import SearchHit, lookup_kinds, search
from footprint.security.actor import Actor
from footprint.security.roles import Role
from footprint.store import Database
from footprint.store.models import AuditEntry, Case, Referral, Subject, SubjectReferral
from tests.operations.cases_setup import GMP, MET, investigator, open_cases

ANALYST = Actor("analyst", "NCA", frozenset({Role.ANALYST}))


@pytest.fixture
def cases(database: Database, tmp_path: Path) -> dict[str, int]:
    met, gmp = open_cases(database, tmp_path, [MET, GMP])
    record_device(database, investigator(MET), met, "MET-EX-7", "laptop", date(2026, 11, 2))
    return {MET: met, GMP: gmp}


def _kinds(hits: list[SearchHit]) -> list[tuple[str, str]]:
    return [(h.kind, h.label) for h in hits]


def test_a_number_finds_the_records_of_that_number_the_reader_may_see(
    database: Database, cases: dict[str, int]
) -> None:
    met = cases[MET]
    with database.unit_of_work() as session:
        package_id, subject_id = session.execute(
            select(Case.package_id, Case.subject_id).where(Case.id == met)
        ).one()
    mine = search(database, investigator(MET), f"case {met}")
    assert _kinds(mine) == [("case", f"case {met}")] and mine[0].link == f"/cases/{met}"
    found = {h.kind for h in search(database, investigator(MET), str(package_id))}
    assert "package" in found
    assert ("subject", f"subject {subject_id}") in _kinds(
        search(database, investigator(MET), f"#{subject_id}")
    )
    assert search(database, investigator(GMP), f"case {met}") == []  # another force's
    national = _kinds(search(database, ANALYST, f"case {met}"))
    assert national == [("case", f"case {met}")]
    referral = _kinds(search(database, ANALYST, "referral 1"))
    assert referral == [("referral", "referral 1 (NCMEC TIP-000001)")]
    assert search(database, investigator(MET), "referral 1") == []  # the coordinator's


def test_text_finds_exhibits_report_ids_and_identifiers(
    database: Database, cases: dict[str, int]
) -> None:
    (exhibit,) = search(database, investigator(MET), "met-ex-7")
    assert exhibit.kind == "exhibit" and exhibit.link is not None
    assert exhibit.link.startswith(f"/cases/{cases[MET]}/devices/")
    assert search(database, investigator(GMP), "MET-EX-7") == []
    assert _kinds(search(database, ANALYST, "TIP-000002")) == [
        ("referral", "referral 2 (NCMEC TIP-000002)")
    ]
    assert search(database, investigator(MET), "TIP-000002") == []
    with database.unit_of_work() as session:
        subject_of_first = session.scalar(
            select(SubjectReferral.subject_id)
            .join(Referral, Referral.id == SubjectReferral.referral_id)
            .where(Referral.report_id == "TIP-000001")
        )
    by_email = search(database, investigator(MET), "user1@example.org")
    assert [(h.kind, h.link) for h in by_email] == [("identifier", f"/subjects/{subject_of_first}")]
    by_hash = search(database, investigator(MET), f"{1:032X}")  # the first file's MD5
    assert [h.label for h in by_hash] == ["md5 in NCMEC:TIP-000001"]
    assert search(database, investigator(MET), "@") == []  # shaped like an address, not one
    by_postcode = search(database, ANALYST, "SW1A 1AA")
    assert {h.label for h in by_postcode} == {
        "postcode in NCMEC:TIP-000001",
        "postcode in NCMEC:TIP-000002",
    }
    with database.unit_of_work() as session:
        searched = session.scalars(select(AuditEntry).where(AuditEntry.action == "search")).all()
        assert [e.detail["q"] for e in searched][:2] == ["met-ex-7", "MET-EX-7"]


def test_what_the_text_could_be_is_guessed_from_its_shape() -> None:
    assert lookup_kinds("a@b.org") == [("email", "a@b.org")]
    assert lookup_kinds("203.0.113.7") == [("ip", "203.0.113.7")]
    assert lookup_kinds("sw1a1aa") == [("postcode", "SW1A 1AA")]
    assert [k for k, _ in lookup_kinds("ab" * 32)] == ["sha256", "pdq"]
    assert lookup_kinds("07700 900123") == [("phone", "07700 900123")]
    assert [k for k, _ in lookup_kinds("Screen1")] == ["screen_name", "esp_account", "device_id"]
    assert lookup_kinds("case 12") == [] and lookup_kinds("two words") == []


@pytest.mark.parametrize("text", ["", "   ", "x" * 321])
def test_an_empty_or_overlong_search_is_refused(database: Database, text: str) -> None:
    with pytest.raises(Invalid, match="q: "):
        search(database, investigator(MET), text)


def test_a_merged_subject_is_found_through_its_survivor_only(
    database: Database, cases: dict[str, int]
) -> None:
    with database.unit_of_work() as session:
        subject_id = session.execute(
            select(Case.subject_id).where(Case.id == cases[MET])
        ).scalar_one()
        session.execute(update(Subject).where(Subject.id == subject_id).values(status="merged"))
    assert search(database, ANALYST, f"subject {subject_id}") == []


@settings(max_examples=200, deadline=None, database=None)
@given(text=st.text(max_size=400))
def test_any_text_gives_look_ups_or_none_and_never_fails(text: str) -> None:
    for kind, value in lookup_kinds(" ".join(text.split())):
        assert kind and value


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=st.text(max_size=400))
def test_a_search_of_any_text_answers_or_refuses_clearly(database: Database, text: str) -> None:
    try:
        hits = search(database, investigator(MET), text)
    except Invalid as refusal:
        assert str(refusal).startswith("q: ")
    else:
        assert isinstance(hits, list)


@settings(max_examples=200, deadline=None, database=None)
@given(sort=st.text(max_size=30), state=st.text(max_size=30))
def test_list_orders_and_filters_from_any_text_are_chosen_or_refused(sort: str, state: str) -> None:
    try:
        order = order_from(sort, CASE_ORDERS, "case")
        assert order.key in CASE_ORDERS
    except Invalid as refusal:
        assert str(refusal).startswith("sort: ")
    try:
        CaseFilter.checked(state=state)
    except Invalid as refusal:
        assert str(refusal).startswith("state: ")

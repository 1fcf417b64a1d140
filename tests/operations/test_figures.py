"""Figures per force and national, and their publication under disclosure control."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from footprint.errors import Invalid, NotFound
from footprint.operations.bail import start_bail
from footprint.operations.cases import (
    advance_case,
    get_case,
    record_children,
    record_search,
    set_flags,
)
from footprint.operations.device_scans import record_device
from footprint.operations.figures import (
    DifferencingRisk,
    compute_figures,
    download_release,
    list_publications,
    list_releases,
    publish_figures,
    release_digest,
)
from footprint.operations.withdrawals import withdraw_entry
from footprint.security.actor import AccessDenied, Actor
from footprint.store import Database
from footprint.store.models import AuditEntry, Publication
from tests.operations.cases_setup import GMP, KENT, MET, OPERATION, investigator, open_cases

TODAY = date(2026, 11, 29)


def arrest_and_bail(database: Database, case_id: int, force: str, started_on: date) -> None:
    for state in (
        "researching",
        "warrant-applied",
        "warrant-granted",
        "search-executed",
        "arrested",
    ):
        on = started_on if state == "arrested" else None  # arrested the day bail began
        advance_case(database, investigator(force), case_id, state, on=on)
    record_search(database, investigator(force), case_id, "1 Example Street", date(2026, 11, 1))
    record_device(
        database, investigator(force), case_id, f"EX-{case_id}", "phone", date(2026, 11, 1)
    )
    start_bail(
        database, investigator(force), case_id, started_on, ["no unsupervised contact"], "Insp"
    )


@pytest.fixture
def operation(database: Database, tmp_path: Path) -> list[int]:
    """Six Met cases (five arrested), one GMP case (arrested, bail due), one Kent case."""
    met = open_cases(database, tmp_path, [MET] * 6)
    gmp, kent = open_cases(database, tmp_path, [GMP, KENT])
    for case_id in met[:5]:
        arrest_and_bail(database, case_id, MET, date(2026, 10, 1))
        record_children(
            database, investigator(MET), case_id, 2, "5-10", "own-child", case_id == met[0]
        )
    set_flags(
        database, investigator(MET), met[0], position_of_trust=True, registered_sex_offender=True
    )
    arrest_and_bail(database, gmp, GMP, date(2026, 9, 10))  # expires 9 Dec: review due
    advance_case(database, investigator(GMP), gmp, "charged")
    return [*met, gmp, kent]


def test_raw_counts_per_force(database: Database, operation: list[int]) -> None:
    figures = compute_figures(database, Actor.system(), OPERATION, TODAY)
    assert len(figures.forces) == 45  # the operation names no forces: all of them
    met, gmp, kent = figures.counts[MET], figures.counts[GMP], figures.counts[KENT]
    assert (met["packages_issued"], met["packages_outstanding"]) == (6, 0)
    assert (met["arrests"], met["properties_searched"], met["devices_seized"]) == (5, 5, 5)
    assert (met["children_safeguarded"], met["children_at_immediate_risk"]) == (10, 2)
    assert (met["positions_of_trust"], met["registered_sex_offenders"]) == (1, 1)
    assert met["bail_reviews_due"] == 0  # Met bail runs to 31 December
    assert (gmp["arrests"], gmp["charged"], gmp["bail_reviews_due"]) == (
        1,
        1,
        0,
    )  # charged: bail ended
    assert kent == dict.fromkeys(kent, 0) | {"packages_issued": 1}
    as_force = compute_figures(database, investigator(KENT), OPERATION, TODAY)
    assert list(as_force.counts) == [KENT]
    # a search and a device withdrawn in error leave the figures
    case = get_case(database, investigator(MET), operation[0])
    withdraw_entry(database, investigator(MET), operation[0], "search", case.searches[0]["id"], "x")
    withdraw_entry(database, investigator(MET), operation[0], "device", case.devices[0]["id"], "y")
    after = compute_figures(database, Actor.system(), OPERATION, TODAY).counts[MET]
    assert (after["properties_searched"], after["devices_seized"]) == (4, 4)


def test_bail_reviews_due_within_14_days(database: Database, operation: list[int]) -> None:
    figures = compute_figures(database, Actor.system(), OPERATION, date(2026, 12, 20))
    assert figures.counts[MET]["bail_reviews_due"] == 5  # 31 December is 11 days away


def test_publication_is_disclosure_controlled_and_recorded(
    database: Database, operation: list[int]
) -> None:
    with pytest.raises(AccessDenied):
        publish_figures(database, investigator(MET), OPERATION, TODAY, rounded=False, record=True)
    preview = publish_figures(
        database, Actor.system(), OPERATION, TODAY, rounded=False, record=False
    )
    assert (
        preview.publication_id is None
        and list_publications(database, Actor.system(), OPERATION) == []
    )
    published = publish_figures(
        database, Actor.system(), OPERATION, TODAY, rounded=False, record=True
    )
    content = published.as_json()
    met = next(f for f in content["forces"] if f["code"] == MET)
    assert (met["packages_issued"], met["arrests"]) == (6, 5)
    # the only force with children safeguarded: showing its 10 next to the national 10 would
    # tell that every other force has none, so it is hidden as well
    assert (met["children_safeguarded"], content["national"]["children_safeguarded"]) == ("[c]", 10)
    assert met["children_at_immediate_risk"] == "[c]"  # 2
    kent = next(f for f in content["forces"] if f["code"] == KENT)
    assert kent["packages_issued"] == "[c]"
    issued = [f["packages_issued"] for f in content["forces"]]
    assert issued.count("[c]") == 44 and content["national"]["packages_issued"] == 8
    rows = list(csv.DictReader(io.StringIO(published.as_csv())))
    assert rows[-1]["force_code"] == "national" and len(rows) == 46
    assert next(r for r in rows if r["force_code"] == MET)["arrests"] == "5"
    with database.unit_of_work() as session:
        stored = session.scalars(select(Publication)).one()
        assert stored.table == content and len(stored.sha256) == 64
        assert (
            session.scalar(select(func.count()).where(AuditEntry.action == "figures.publish")) == 1
        )
    # a rounded table next to the exact one differs by small counts too: a reason is needed
    with pytest.raises(DifferencingRisk):
        publish_figures(database, Actor.system(), OPERATION, TODAY, rounded=True, record=True)
    rounded = publish_figures(
        database, Actor.system(), OPERATION, TODAY, True, True, "rounded edition for the press"
    )
    assert next(f for f in rounded.as_json()["forces"] if f["code"] == MET)["packages_issued"] == 5
    assert len(list_publications(database, Actor.system(), OPERATION)) == 2


def test_a_release_open_to_differencing_needs_a_reason_and_keeps_it(
    database: Database, operation: list[int]
) -> None:
    first = publish_figures(database, Actor.system(), OPERATION, TODAY, rounded=False, record=True)
    assert first.warnings == []
    arrest_and_bail(database, operation[5], MET, date(2026, 11, 20))  # the sixth Met case
    preview = publish_figures(database, Actor.system(), OPERATION, TODAY, False, record=False)
    assert f"{MET}/arrests: changed by 1 since the last release" in preview.warnings
    with pytest.raises(DifferencingRisk, match="publish it only with a reason") as refused:
        publish_figures(database, Actor.system(), OPERATION, TODAY, rounded=False, record=True)
    assert "total/arrests: changed by 1 since the last release" in refused.value.warnings
    assert [r.id for r in list_releases(database, Actor.system(), OPERATION)] == [
        first.publication_id
    ]
    again = publish_figures(
        database, Actor.system(), OPERATION, TODAY, False, True, "court order to publish"
    )
    assert again.as_json()["national"]["arrests"] == 7
    latest, earlier = list_releases(database, Actor.system(), OPERATION)
    assert (latest.id, earlier.id) == (again.publication_id, first.publication_id)
    assert (latest.override_reason, earlier.override_reason) == ("court order to publish", None)
    with database.unit_of_work() as session:
        entry = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "figures.publish")
            .order_by(AuditEntry.seq.desc())
        ).first()
        assert entry is not None and entry.detail["override_reason"] == "court order to publish"
        assert f"{MET}/arrests: changed by 1 since the last release" in entry.detail["warnings"]


def test_a_past_release_downloads_as_it_was_published(
    database: Database, operation: list[int]
) -> None:
    first = publish_figures(database, Actor.system(), OPERATION, TODAY, rounded=False, record=True)
    assert first.publication_id is not None
    arrest_and_bail(database, operation[5], MET, date(2026, 11, 20))  # the counts move on
    kept, text = download_release(database, Actor.system(), first.publication_id, "csv")
    assert text == first.as_csv()  # as it went out, not as the counts are now
    (release,) = list_releases(database, Actor.system(), OPERATION)
    _, content = download_release(database, Actor.system(), first.publication_id, "json")
    assert release_digest(json.loads(content)) == release.sha256 == kept.sha256
    with pytest.raises(NotFound):
        download_release(database, investigator(MET), first.publication_id)
    with pytest.raises(NotFound):
        download_release(database, Actor.system(), 10**6)
    with pytest.raises(Invalid, match="format: 'pdf'"):
        download_release(database, Actor.system(), first.publication_id, "pdf")
    with database.unit_of_work() as session:
        downloads = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "figures.download")
        ).all()
        assert [d.detail["format"] for d in downloads] == ["csv", "json"]
        assert downloads[0].detail["sha256"] == hashlib.sha256(text.encode()).hexdigest()


def test_dashboard_counts_may_be_reused_but_every_read_is_audited(
    database: Database, tmp_path: Path
) -> None:
    open_cases(database, tmp_path, [MET])
    today = date(2026, 12, 1)
    first = compute_figures(database, Actor.system(), OPERATION, today, timedelta(minutes=1))
    open_cases(database, tmp_path, [MET])  # one more package for MET
    reused = compute_figures(database, Actor.system(), OPERATION, today, timedelta(minutes=1))
    fresh = compute_figures(database, Actor.system(), OPERATION, today)
    assert reused.counts[MET]["packages_issued"] == first.counts[MET]["packages_issued"] == 1
    assert fresh.counts[MET]["packages_issued"] == 2
    with database.unit_of_work() as session:
        reads = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "figures.read")
        )
    assert reads == 3

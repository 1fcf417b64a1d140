"""Reads made while answering a request are in the audit log before the answer leaves: written
together, in one transaction; an answer whose reads cannot be written is never sent."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.credentials import issue_token
from footprint.security.roles import Role
from footprint.store.models import AuditEntry
from tests.operations.cases_setup import GMP
from tests.web.site import Site, audited, browser, username

COORDINATOR = username("NCA", Role.COORDINATOR)


def test_a_pages_reads_are_written_together_before_it_answers(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = browser(site, COORDINATOR)
    batches: list[list[str]] = []
    write = audit.write_reads

    def counted(db: object, reads: list[audit.Pending]) -> None:
        batches.append([read.action for read in reads])
        write(site.db, reads)

    monkeypatch.setattr(audit, "write_reads", counted)
    assert client.get("/").status_code == 200
    assert len(batches) == 1  # one transaction for the dashboard's reads
    assert {"figures.read", "package.overview", "case.bail-due", "progress.read"} <= set(batches[0])
    with site.db.unit_of_work() as session:
        newest = session.scalars(
            select(AuditEntry.action).order_by(AuditEntry.seq.desc()).limit(len(batches[0]))
        ).all()
    assert list(reversed(newest)) == batches[0]  # in the log, in the order read


def test_an_answer_whose_reads_cannot_be_audited_is_never_sent(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = username(GMP, Role.INVESTIGATOR)
    with site.db.unit_of_work() as session:
        _, token = issue_token(session, Actor.system(), user, "tests")
    client = TestClient(
        site.app, headers={"Authorization": f"Bearer {token}"}, raise_server_exceptions=False
    )
    case_id = site.cases[GMP][0]
    assert client.get(f"/api/v1/cases/{case_id}").json()["id"] == case_id  # it can be read

    def failing(db: object, reads: list[audit.Pending]) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(audit, "write_reads", failing)
    refused = client.get(f"/api/v1/cases/{case_id}")
    assert refused.status_code == 500
    assert str(case_id) not in refused.text and site.markers[GMP][0] not in refused.text


def test_outside_a_request_a_read_is_recorded_in_the_readers_transaction(site: Site) -> None:
    actor = Actor.system()
    with site.db.unit_of_work() as session:
        audit.record_read(session, actor, "case.read", "case", "outside-a-request")
    assert audited(site.db, "case.read", actor.username, "outside-a-request")


def test_every_hundredth_answer_asks_the_client_to_reconnect(site: Site) -> None:
    from footprint.web.app import create_app
    from footprint.web.middleware import RECONNECT_EVERY

    client = TestClient(create_app(site.db, site.app.state.settings))  # its own count
    answers = [client.get("/sign-in") for _ in range(2 * RECONNECT_EVERY)]
    closing = [n for n, a in enumerate(answers, 1) if a.headers.get("connection") == "close"]
    assert closing == [RECONNECT_EVERY, 2 * RECONNECT_EVERY]
    assert all(a.status_code == 200 for a in answers)

"""Referral files keep their signals as (kind, value) rows: migration 0019 moves the old md5,
sha1, sha256 and pdq columns over, and back again on a downgrade, losing nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import text

from footprint.operations.intake import import_referrals
from footprint.operations.service import create_operation
from footprint.security.actor import Actor
from footprint.store import Database
from tests.conftest import fresh_database_url
from tests.operations.samples import referral
from tests.store.test_indexes import _migrate

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def _signals(db: Database) -> set[tuple[str, str, str]]:
    with db.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT f.file_name, s.kind, s.value FROM referral_file_signals s "
                "JOIN referral_files f ON f.id = s.file_id"
            )
        )
        return {(name, kind, value) for name, kind, value in rows}


def test_signals_survive_a_downgrade_and_an_upgrade(tmp_path: Path) -> None:
    with fresh_database_url(tmp_path) as url:
        db = Database(url)
        with db.unit_of_work() as session:
            create_operation(session, Actor.system(), "Op S", date(2026, 10, 1))
        docs = [referral(1), referral(2)]
        docs[1]["files"][0]["hashes"] = [
            {"type": "PDQ", "value": PDQ.upper()},
            {"type": "SHA256", "value": "ab" * 32},
        ]
        path = tmp_path / "tips.json"
        path.write_text(json.dumps(docs))
        import_referrals(db, Actor.system(), "Op S", path)
        before = _signals(db)
        assert ("f2.jpg", "pdq", PDQ) in before and ("f2.jpg", "sha256", "ab" * 32) in before
        assert {kind for _, kind, _ in before} >= {"md5", "pdq", "sha256"}

        _migrate(db, "0018", down=True)  # a column per kind again, filled from the rows
        with db.engine.connect() as connection:
            old = connection.execute(
                text("SELECT file_name, md5, sha256, pdq FROM referral_files ORDER BY file_name")
            ).all()
        assert ("f2.jpg", None, "ab" * 32, PDQ) in [tuple(r) for r in old]

        _migrate(db, "head")
        assert _signals(db) == before
        db.dispose()

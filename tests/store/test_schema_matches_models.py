"""The migrated schema is the one the models declare (Alembic's own comparison finds nothing to
add, drop or change), and migration 0020 (grading by people) goes down and up again keeping the
referral files' votes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from footprint.operations.graded_files import cast_votes
from footprint.operations.intake import import_referrals
from footprint.operations.service import create_operation
from footprint.security.actor import Actor
from footprint.security.roles import Role
from footprint.store import Database
from footprint.store.models import Base, ReferralFileRow
from tests.conftest import fresh_database_url
from tests.operations.samples import referral
from tests.store.test_indexes import _migrate


def _differences(db: Database) -> list[object]:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": False, "compare_server_default": False}
        )
        found = compare_metadata(context, Base.metadata)
    return [d for d in found if not (isinstance(d, tuple) and d[0] == "remove_table")]


def test_the_migrations_build_what_the_models_declare(tmp_path: Path) -> None:
    with fresh_database_url(tmp_path) as url:
        db = Database(url)
        assert _differences(db) == []
        db.dispose()


def test_votes_on_referral_files_survive_a_downgrade_and_an_upgrade(tmp_path: Path) -> None:
    with fresh_database_url(tmp_path) as url:
        db = Database(url)
        with db.unit_of_work() as session:
            create_operation(session, Actor.system(), "Op V", date(2026, 10, 1))
        path = tmp_path / "tips.json"
        path.write_text(json.dumps([referral(1)]))
        import_referrals(db, Actor.system(), "Op V", path)
        with db.unit_of_work() as session:
            file = session.query(ReferralFileRow).one()
            file.grade_status = "queued"
            file_id = file.id
        grader = Actor("g1", "NCA", frozenset({Role.ANALYST}))
        cast_votes(db, grader, [f"referral:{file_id}"], "B")
        _migrate(db, "0019", down=True)
        with db.engine.connect() as connection:
            votes = connection.execute(text("SELECT grader, category FROM grading_votes")).all()
        assert [tuple(v) for v in votes] == [("g1", "B")]
        _migrate(db, "head")
        assert _differences(db) == []
        with db.unit_of_work() as session:
            row = session.get_one(ReferralFileRow, file_id)
            assert [(v.grader, v.category, v.kind) for v in row.votes] == [("g1", "B", "vote")]
        db.dispose()

"""The indexes the busiest pages rely on: a force's packages, soonest deadline first, and its
bail due are read by walking an index and stopping at the page's end, not by sorting every
package it holds or looking up the case of every bail due in the country."""

from __future__ import annotations

from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from footprint.operations.bail import BAIL_DUE
from footprint.operations.cases import _case_list
from footprint.operations.listing import Order
from footprint.security.reference_data import prepare_database
from footprint.store import Database
from footprint.synthetic.case_load import fill_cases
from tests.conftest import fresh_database_url


def test_packages_are_indexed_by_force_then_deadline(tmp_path: Path) -> None:
    with fresh_database_url(tmp_path) as url:
        db = Database(url)
        indexes = {
            i["name"]: i["column_names"] for i in inspect(db.engine).get_indexes("intel_packages")
        }
        assert indexes["ix_intel_packages_force_deadline"] == ["force_id", "deadline", "id"]
        db.dispose()


def test_a_forces_page_of_packages_needs_no_sort_on_sqlite(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/plan.db")  # the embedded default's planner
    prepare_database(db)
    with db.engine.connect() as connection:
        plan = " ".join(
            str(row[-1])
            for row in connection.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT id FROM intel_packages WHERE force_id = 3 "
                    "ORDER BY deadline, id LIMIT 100"
                )
            )
        )
    db.dispose()
    assert "ix_intel_packages_force_deadline" in plan
    assert "TEMP B-TREE" not in plan


def _migrate(db: Database, to: str, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(files("footprint.store") / "migrations"))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, to)


def test_bail_carries_its_cases_force_and_is_indexed_by_force_then_expiry(tmp_path: Path) -> None:
    with fresh_database_url(tmp_path) as url:
        db = Database(url)
        fill_cases(db, "Op Index", 400, date(2026, 11, 1))
        _migrate(db, "0016", down=True)  # bail without its force, as before 0017
        _migrate(db, "head")  # fills each bail's force in from its case
        with db.engine.connect() as connection:
            pairs = connection.execute(
                text(
                    "SELECT bail.force_id, cases.force_id FROM bail "
                    "JOIN cases ON cases.id = bail.case_id"
                )
            ).all()
        indexes = {i["name"]: i["column_names"] for i in inspect(db.engine).get_indexes("bail")}
        db.dispose()
    assert len(pairs) > 20 and all(bail == case for bail, case in pairs)
    assert indexes["ix_bail_force_due"] == ["force_id", "active", "expires_on", "case_id"]


def _plan(db: Database, statement: Any, values: dict[str, Any]) -> str:
    """SQLite's query plan for a statement built once, with these values bound."""
    compiled = statement.compile(dialect=db.engine.dialect)
    bound = compiled.construct_params(values)
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled}",
            tuple(bound[name] for name in compiled.positiontup or ()),
        )
        return " ".join(str(row[-1]) for row in rows)


def test_a_forces_bail_due_walks_its_index_on_sqlite(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/plan.db")
    prepare_database(db)
    bound = {"force": "E23000001", "last_day": date(2026, 12, 1), "offset": 0, "limit": 100}
    plan = _plan(db, BAIL_DUE[False], bound)  # as a force asks
    db.dispose()
    assert "ix_bail_force_due" in plan
    assert "TEMP B-TREE" not in plan  # read in expiry order, stopping at the page's end


def test_cases_keep_their_packages_band_and_deadline_through_the_migration(
    tmp_path: Path,
) -> None:
    with fresh_database_url(tmp_path) as url:
        db = Database(url)
        fill_cases(db, "Op Keys", 300, date(2026, 11, 1))
        _migrate(db, "0026", down=True)  # cases without the keys, as before 0027
        _migrate(db, "head")  # copies each package's band and deadline onto its case
        with db.engine.connect() as connection:
            pairs = connection.execute(
                text(
                    "SELECT cases.risk_band, p.risk_band, cases.deadline, p.deadline FROM cases "
                    "JOIN intel_packages p ON p.id = cases.package_id"
                )
            ).all()
        indexes = {i["name"]: i["column_names"] for i in inspect(db.engine).get_indexes("cases")}
        db.dispose()
    assert len(pairs) == 300
    assert all(band == kept and deadline == due for band, kept, deadline, due in pairs)
    assert indexes["ix_cases_force_deadline"] == ["force_id", "deadline", "id"]


def test_a_forces_case_list_sorts_without_reading_packages(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/plan.db")
    prepare_database(db)
    for key in ("risk", "deadline"):
        query = _case_list(False, Order(key, key == "risk"), frozenset({"band", "open"}))
        assert "intel_packages" not in str(query.compile(dialect=db.engine.dialect))
    by_deadline = _case_list(False, Order("deadline", False), frozenset())
    plan = _plan(db, by_deadline, {"force": "E23000001", "offset": 0, "limit": 100})
    db.dispose()
    assert "ix_cases_force_deadline" in plan
    assert "TEMP B-TREE" not in plan  # read in deadline order, stopping at the page's end

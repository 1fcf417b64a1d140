"""The load benchmark's bulk cases read back through the services like any other case."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from footprint.operations.bail import bail_expiring
from footprint.operations.cases import get_case, list_cases
from footprint.operations.figures import compute_figures
from footprint.operations.packages import package_overview
from footprint.security.actor import Actor
from footprint.security.roles import Role
from footprint.store import Database
from footprint.synthetic.case_load import PATHS, fill_cases

MET = "E23000001"


def test_bulk_cases_are_whole_cases(database: Database) -> None:
    today = datetime.now(UTC).date()
    assert fill_cases(database, "Op Load", 600, today) == 600
    coordinator = Actor.system()
    every = list_cases(database, coordinator)
    assert len(every) == 600
    states = Counter(c.state for c in every)
    assert set(states) <= set(PATHS) and len(states) == len(PATHS)
    met = Actor("m", MET, frozenset({Role.FORCE_SUPERVISOR}))
    own = list_cases(database, met)
    assert own and {c.force for c in own} == {MET}
    view = get_case(database, coordinator, every[0].id)
    assert [e["to"] for e in view.history] == list(PATHS[view.state])
    figures = compute_figures(database, coordinator, "Op Load", today)
    arrests = sum(row["arrests"] for row in figures.counts.values())
    assert arrests == sum(n for s, n in states.items() if "arrested" in PATHS[s])
    assert sum(package_overview(database, coordinator).by_band.values()) == 600
    on_bail = [c for c in every if c.state == "on-bail"]
    due = bail_expiring(database, coordinator, today, within_days=100)
    assert sorted(d.case_id for d in due) == sorted(c.id for c in on_bail)

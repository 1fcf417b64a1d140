"""Recent results: reused while young enough, recomputed after, bounded in size."""

from __future__ import annotations

from itertools import count

from footprint.store.recent import RecentResults


def test_a_result_is_reused_only_while_young_enough() -> None:
    made = count(1)
    recent: RecentResults[int] = RecentResults(size=2)
    assert recent.get("a", 60, lambda: next(made)) == 1
    assert recent.get("a", 60, lambda: next(made)) == 1  # young enough: reused
    assert recent.get("a", 0, lambda: next(made)) == 2  # too old for this caller: recomputed
    assert recent.get("b", 60, lambda: next(made)) == 3
    assert recent.get("c", 60, lambda: next(made)) == 4  # the oldest ("a") makes room
    assert recent.get("a", 60, lambda: next(made)) == 5
    assert recent.get("c", 60, lambda: next(made)) == 4

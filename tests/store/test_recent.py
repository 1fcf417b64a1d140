"""Recent results: reused while young enough, recomputed after, bounded in size."""

from __future__ import annotations

import threading
import time
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


def test_concurrent_callers_count_once_and_others_take_the_last_result() -> None:
    recent: RecentResults[int] = RecentResults()
    calls = count(1)
    started, release = threading.Event(), threading.Event()

    def slow() -> int:
        started.set()
        release.wait(10)
        return next(calls)

    results: list[int] = []
    first = threading.Thread(target=lambda: results.append(recent.get("k", 60, slow)))
    first.start()
    assert started.wait(10)
    waiting = [
        threading.Thread(target=lambda: results.append(recent.get("k", 60, slow))) for _ in range(5)
    ]
    for thread in waiting:
        thread.start()
    time.sleep(0.1)
    release.set()
    for thread in [first, *waiting]:
        thread.join(10)
    assert results == [1] * 6  # counted once; the others waited for that first count
    started.clear()
    release.clear()
    time.sleep(0.1)  # the kept result is now older than 0.05 s
    assert recent.get("k", 0.05, slow) == 1  # the last result at once; a recount starts
    assert started.wait(10)
    assert recent.get("k", 0.05, slow) == 1  # while it recounts: still the last result
    release.set()
    deadline = time.monotonic() + 10
    while recent.get("k", 60, slow) != 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert recent.get("k", 60, slow) == 2  # the background recount was kept
    assert next(calls) == 3  # and counted once: the callers during it started no other


def test_a_failed_background_recount_keeps_the_last_result_and_is_tried_again() -> None:
    recent: RecentResults[int] = RecentResults()
    assert recent.get("k", 60, lambda: 1) == 1
    time.sleep(0.06)
    failed = threading.Event()

    def failing() -> int:
        failed.set()
        raise RuntimeError("database gone")

    assert recent.get("k", 0.05, failing) == 1
    assert failed.wait(10)
    deadline = time.monotonic() + 10
    while recent.get("k", 0.05, lambda: 2) != 2 and time.monotonic() < deadline:
        time.sleep(0.01)  # once the failed recount has finished, the next caller starts one
    assert recent.get("k", 60, lambda: 3) == 2

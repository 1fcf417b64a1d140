"""Untrusted work in a contained child: its progress and outcome come back, and whatever it does
(runs out of memory, crashes) the caller lives and is told how it ended."""

from __future__ import annotations

import pytest

from footprint.processes import WorkerFailed, run_contained
from tests.processes import targets

LIMIT = 1024 * 2**20  # 1 GiB of address space: enough for Python, far less than eats_memory


def test_progress_and_outcome_come_back() -> None:
    seen: list[int] = []
    assert run_contained(targets.counts_to, (5,), seen.append, LIMIT) == {"records": 5}
    assert seen == [1, 2, 3, 4, 5]


def test_a_child_over_its_memory_fails_alone() -> None:
    with pytest.raises(WorkerFailed, match="ran out of memory \\(the limit is 1,024 MiB\\)"):
        run_contained(targets.eats_memory, (4096,), lambda _: None, LIMIT)


def test_a_child_that_crashes_fails_alone() -> None:
    with pytest.raises(WorkerFailed, match="killed by SIGSEGV"):
        run_contained(targets.crashes, (), lambda _: None, LIMIT)


def test_an_error_in_the_child_keeps_its_message() -> None:
    with pytest.raises(WorkerFailed, match="ValueError: field: a clear reason"):
        run_contained(targets.refuses, (), lambda _: None, LIMIT)

"""Run the same work from several threads at once, released together; collect what failed."""

from __future__ import annotations

import threading
from collections.abc import Callable


def in_threads(count: int, work: Callable[[int], None]) -> list[BaseException]:
    """work(worker number) in `count` threads started together; the exceptions they raised."""
    failures: list[BaseException] = []
    start = threading.Barrier(count)

    def run(worker: int) -> None:
        start.wait()
        try:
            work(worker)
        except BaseException as exc:  # collected, so the test names what went wrong
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures

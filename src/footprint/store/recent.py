"""Recent results of expensive read-only aggregates (dashboard counts over every case), kept in
this process for a short while so that a busy dashboard does not recount 100,000 cases for each
viewer. Callers choose how old a result may be; every read is still audited by its service.

A result that has grown too old is recounted in the background while callers take the last one:
only the very first count of a key keeps anyone waiting. So `compute` must stand alone (open its
own unit of work), never use the caller's session."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


FIRST_COUNT_WAIT = 60.0  # seconds a caller waits for another's first count before its own
log = logging.getLogger(__name__)


class RecentResults(Generic[V]):
    """Per key, the latest result and when it was made. One count at a time per key: while it
    runs, callers get the previous result (a little older than they asked, for as long as the
    recount takes) or, when there is none yet, wait for it, so that a busy dashboard never has
    every request recount at once, nor any request but the first wait for a count."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._items: dict[Hashable, tuple[float, V]] = {}
        self._computing: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, max_age_seconds: float, compute: Callable[[], V]) -> V:
        """The kept result if younger than max_age_seconds; an older one while a recount runs in
        the background (started here if none is); else (nothing kept yet, or max_age_seconds 0)
        a fresh one, then kept."""
        now = time.monotonic()
        with self._lock:
            kept = self._items.get(key)
            if kept is not None and now - kept[0] <= max_age_seconds:
                return kept[1]
            running = self._computing.get(key)
            if running is None:
                self._computing[key] = threading.Event()
        if kept is not None and max_age_seconds > 0:
            if running is None:
                threading.Thread(
                    target=self._recount, args=(key, compute), name="recount", daemon=True
                ).start()
            return kept[1]
        if running is not None and max_age_seconds > 0:
            running.wait(FIRST_COUNT_WAIT)  # the first count, made by another caller
            with self._lock:
                kept = self._items.get(key)
            if kept is not None:
                return kept[1]
        if running is not None:
            return self._keep(key, compute())  # fresh asked for, or the other count failed
        try:
            return self._keep(key, compute())
        finally:
            self._done(key)

    def _recount(self, key: Hashable, compute: Callable[[], V]) -> None:
        try:
            self._keep(key, compute())
        except Exception:  # the last result stays; the next caller tries again
            log.exception("recount of %r failed", key)
        finally:
            self._done(key)

    def _done(self, key: Hashable) -> None:
        with self._lock:
            self._computing.pop(key).set()

    def _keep(self, key: Hashable, value: V) -> V:
        with self._lock:
            if key not in self._items and len(self._items) >= self._size:
                self._items.pop(min(self._items, key=lambda k: self._items[k][0]))
            self._items[key] = (time.monotonic(), value)
        return value

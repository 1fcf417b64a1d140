"""Recent results of expensive read-only aggregates (dashboard counts over every case), kept in
this process for a short while so that a busy dashboard does not recount 100,000 cases for each
viewer. Callers choose how old a result may be; every read is still audited by its service."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class RecentResults(Generic[V]):
    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._items: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, max_age_seconds: float, compute: Callable[[], V]) -> V:
        """The kept result if younger than max_age_seconds, else a fresh one (then kept)."""
        now = time.monotonic()
        with self._lock:
            kept = self._items.get(key)
        if kept is not None and now - kept[0] <= max_age_seconds:
            return kept[1]
        value = compute()
        with self._lock:
            if len(self._items) >= self._size:
                self._items.pop(min(self._items, key=lambda k: self._items[k][0]))
            self._items[key] = (now, value)
        return value

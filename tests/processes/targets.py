"""Work for the contained child process (imported by name in a spawned interpreter)."""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Any


def counts_to(n: int, progress: Callable[[int], None]) -> dict[str, Any]:
    for done in range(1, n + 1):
        progress(done)
    return {"records": n}


def eats_memory(megabytes: int, progress: Callable[[int], None]) -> dict[str, Any]:
    hoard = [bytearray(2**20) for _ in range(megabytes)]  # more than the child may have
    return {"records": len(hoard)}


def crashes(progress: Callable[[int], None]) -> dict[str, Any]:
    ctypes.string_at(0)  # a segmentation fault, as a broken C parser gives
    return {}


def refuses(progress: Callable[[int], None]) -> dict[str, Any]:
    raise ValueError("field: a clear reason")

"""numba's compiler for footprint's hot loops (PDQ, the index scan), cached where it can be.

numba keeps compiled code beside the module (`__pycache__`) or in the user's cache directory
(`NUMBA_CACHE_DIR` chooses another). Where neither is writable, as on an install and a home that
are both read-only, asking for a cache makes numba refuse at import; footprint then compiles in
each process instead (about 15 s for PDQ) and says so once, rather than not starting."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import TypeVar, cast

from numba import njit

F = TypeVar("F", bound=Callable[..., object])
log = logging.getLogger(__name__)


def compiled(function: F) -> F:
    """`numba.njit(cache=True, nogil=True)`, or without the cache where none can be kept."""
    try:
        return cast(F, njit(cache=True, nogil=True)(function))
    except RuntimeError:  # numba: "cannot cache function ...: no locator available"
        _say_not_cached()
        return cast(F, njit(nogil=True)(function))


@cache
def _say_not_cached() -> None:
    log.warning(
        "no writable place for numba's cache: PDQ compiles in each process (about 15 s);"
        " set NUMBA_CACHE_DIR to a writable folder"
    )

"""footprint starts where numba cannot keep its cache: it compiles in the process instead."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from numba.core import caching

from footprint.signals import compiled as compiled_module
from footprint.signals.compiled import compiled


def _add_one(values: np.ndarray) -> np.ndarray:
    return values + 1


def _double(values: np.ndarray) -> np.ndarray:
    return values * 2


def test_compiled_code_is_cached_where_it_can_be() -> None:
    function = compiled(_add_one)
    assert not isinstance(function._cache, caching.NullCache)  # type: ignore[attr-defined]
    assert function(np.arange(3)).tolist() == [1, 2, 3]


def test_no_writable_cache_compiles_in_the_process_and_says_so_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A read-only install and home: numba finds no place for its cache and refuses a cached
    function at import, which would stop footprint starting at all."""
    monkeypatch.setattr(caching.CacheImpl, "_locator_classes", [])
    compiled_module._say_not_cached.cache_clear()
    with caplog.at_level(logging.WARNING, logger="footprint.signals.compiled"):
        first, second = compiled(_add_one), compiled(_double)
    assert isinstance(first._cache, caching.NullCache)  # type: ignore[attr-defined]
    assert first(np.arange(3)).tolist() == [1, 2, 3]
    assert second(np.arange(3)).tolist() == [0, 2, 4]
    warnings = [r for r in caplog.records if "NUMBA_CACHE_DIR" in r.getMessage()]
    assert len(warnings) == 1

"""Modules that open the house's doors from outside it (a signal kind, an evidence source, a
hash-set format): named in the `plugins` setting and imported in every process that needs
them — the command, the web app and each of a scan's worker processes — so that a kind a plugin
registers is computed by the workers too, not only in the process that started the scan.
This module imports nothing else from footprint."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable

from footprint.errors import Invalid


def plugin_names(setting: str) -> tuple[str, ...]:
    """Module names from the setting: comma-separated, blanks ignored."""
    return tuple(name.strip() for name in setting.split(",") if name.strip())


_LOADED: list[str] = []  # in the order loaded: what a helper process must load too


def loaded_plugins() -> tuple[str, ...]:
    return tuple(name for name in _LOADED if name in sys.modules)  # not those since removed


def load_plugins(names: Iterable[str]) -> None:
    """Import each module (once: Python keeps it); its import registers what it adds."""
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:  # a plugin's own failure, named, never a traceback
            raise Invalid(f"plugins: cannot load {name!r} ({type(exc).__name__}: {exc})") from exc
        if name not in _LOADED:
            _LOADED.append(name)

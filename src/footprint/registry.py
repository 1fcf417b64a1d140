"""One registry shape for the house's three doors (signal kinds, evidence sources, hash-set
formats): entries by name, in the order registered, and a refusal that names the choices.
This module imports nothing else from footprint."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

Entry = TypeVar("Entry")


class Registry(Generic[Entry]):
    def __init__(self, what: str, name_of: Callable[[Entry], str]) -> None:
        self.what = what  # "signal kind", "evidence source", "format": said in refusals
        self._name_of = name_of
        self._entries: dict[str, Entry] = {}

    def register(self, entry: Entry) -> Entry:
        """Add an entry, or replace the one of the same name; returns it (a one-liner)."""
        self._entries[self._name_of(entry)] = entry
        return entry

    def unregister(self, name: str) -> None:
        self._entries.pop(name, None)

    def get(self, name: str) -> Entry:
        try:
            return self._entries[name]
        except KeyError:
            raise LookupError(
                f"unknown {self.what} {name!r} (known: {', '.join(self._entries)})"
            ) from None

    def find(self, name: str) -> Entry | None:
        return self._entries.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[Entry]:
        return iter(list(self._entries.values()))  # a copy: registering while iterating is safe

"""What every command shares: settings, the store, exit codes, rich consoles."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import NoReturn

import typer
from rich.console import Console

from footprint.config import Settings, load_settings
from footprint.errors import SkippedRecord
from footprint.hashsets.model import UnifiedCategory
from footprint.hashsets.schemes import parse_uk_codes
from footprint.hashsets.store import KnownHashStore
from footprint.plugins import load_plugins

SKIPS_SHOWN = 20  # skipped records listed before "... and N more"
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


class ExitCode(IntEnum):
    """Documented in docs/operations.md and `footprint --help`."""

    OK = 0  # finished; every file read
    FILE_ERRORS = 1  # finished, but some files could not be read or decoded (see summary)
    USAGE = 2  # bad option, unknown set, input that cannot be used at all
    INTERRUPTED = 3  # stopped by the user; run again with the same --out to resume
    IMPORT_SKIPPED = 4  # import finished but skipped records or whole files (see the report)
    TAMPERED = 5  # `audit verify` found edited, inserted or deleted entries


def show_skipped(items: Sequence[SkippedRecord], what: str = "skipped record") -> int:
    """The first SKIPS_SHOWN skipped records, each naming its number, field and reason;
    returns how many were left unshown."""
    for item in items[:SKIPS_SHOWN]:
        err_console.print(f"  {what} {item.record}: {item.field}: {item.reason}")
    return max(0, len(items) - SKIPS_SHOWN)


def settings() -> Settings:
    """The settings, with their plugins loaded (every command reads its settings first)."""
    try:
        config = load_settings()
        load_plugins(config.plugin_modules)
    except ValueError as exc:
        fail(str(exc))
    return config


def open_store(config: Settings) -> KnownHashStore:
    return KnownHashStore(config.hashset_store)


def uk_codes() -> dict[int, UnifiedCategory]:
    """The deployment's VICS UK category codes (`uk_category_codes`), for an export that writes
    them; a setting that does not parse stops the command, naming it."""
    try:
        return parse_uk_codes(settings().uk_category_codes)
    except ValueError as exc:
        fail(f"uk_category_codes: {exc}")


def fail(message: str, code: ExitCode = ExitCode.USAGE) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(int(code))

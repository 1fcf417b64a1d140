"""What every command shares: settings, the store, exit codes, rich consoles."""

from __future__ import annotations

from enum import IntEnum
from typing import NoReturn

import typer
from rich.console import Console

from footprint.config import Settings, load_settings
from footprint.hashsets.store import KnownHashStore

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


def settings() -> Settings:
    try:
        return load_settings()
    except ValueError as exc:
        fail(str(exc))


def open_store(config: Settings) -> KnownHashStore:
    return KnownHashStore(config.hashset_store)


def fail(message: str, code: ExitCode = ExitCode.USAGE) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(int(code))

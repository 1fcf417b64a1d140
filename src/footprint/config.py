"""One settings object: defaults that work embedded, then an optional TOML file, then
environment variables FOOTPRINT_* (highest). See docs/configuration.md."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from footprint.plugins import plugin_names
from footprint.processes import IMPORT_MEMORY_MB
from footprint.signals.pdq import DEFAULT_PIXEL_LIMIT, SCAN_DECODE


@dataclass(frozen=True, slots=True)
class Settings:
    var_dir: Path = Path("var")
    hashset_store: Path = Path("var/hashsets.sqlite")
    scans_dir: Path = Path("var/scans")  # triage scan outputs the web app shows, per force code
    database_url: str = "sqlite:///var/footprint.db"  # PostgreSQL: postgresql+psycopg://...
    uk_category_codes: str = ""  # e.g. "1=A,2=B,3=C,0=non-pertinent"; not public, so no default
    category_codes: str = ""  # codes outside a scheme, e.g. "vics:7=non-pertinent,ncmec:C1=C"
    pixel_limit: int = DEFAULT_PIXEL_LIMIT
    decode: str = str(SCAN_DECODE)
    workers: int = 0  # 0: one per core
    request_threads: int = 4  # per `footprint serve` process: threads running requests' work
    risk_model: Path | None = None  # TOML weights/thresholds/deadlines; None: the built-in model
    import_memory_mb: int = IMPORT_MEMORY_MB  # address space of a web-started import's process
    # the categories graders choose from, in the order of their keys 1, 2, 3...
    grading_choices: str = "A,B,C,indecent-uncategorised,age-difficult,non-pertinent"
    plugins: str = ""  # modules to import everywhere, comma-separated (new kinds, sources, formats)

    @property
    def plugin_modules(self) -> tuple[str, ...]:
        return plugin_names(self.plugins)

    @property
    def uploads_dir(self) -> Path:
        """Files uploaded for an import, held until it ends."""
        return self.var_dir / "uploads"

    @property
    def exports_dir(self) -> Path:
        """Exports written for the web app to send, held until sent."""
        return self.var_dir / "exports"


def clear_leftovers(settings: Settings) -> int:
    """Remove the uploads and exports a server that stopped mid-way left behind (a crash
    between writing such a file and removing it); how many. For `footprint serve` before any of
    its server processes starts, when no request can be using them."""
    removed = 0
    for folder in (settings.uploads_dir, settings.exports_dir):
        for leftover in folder.glob("*") if folder.is_dir() else ():
            if leftover.is_file() and not leftover.is_symlink():
                leftover.unlink(missing_ok=True)
                removed += 1
    return removed


def _coerce(name: str, raw: Any) -> Any:
    kind = {f.name: f.type for f in fields(Settings)}[name]
    try:
        if kind in ("Path", "Path | None"):
            return Path(str(raw))
        if kind == "int":
            return int(raw)
        return str(raw)
    except ValueError as exc:
        raise ValueError(f"setting {name}: expected {kind}, got {raw!r}") from exc


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    config_file = Path(env.get("FOOTPRINT_CONFIG", "footprint.toml"))
    if config_file.is_file():
        with config_file.open("rb") as stream:
            table = tomllib.load(stream)
        values.update(table.get("footprint", table))
    for f in fields(Settings):
        key = f"FOOTPRINT_{f.name.upper()}"
        if key in env:
            values[f.name] = env[key]
    unknown = set(values) - {f.name for f in fields(Settings)}
    if unknown:
        raise ValueError(f"unknown setting(s) in {config_file}: {', '.join(sorted(unknown))}")
    settings = replace(Settings(), **{k: _coerce(k, v) for k, v in values.items()})
    if "var_dir" in values:
        if "hashset_store" not in values:
            settings = replace(settings, hashset_store=settings.var_dir / "hashsets.sqlite")
        if "scans_dir" not in values:
            settings = replace(settings, scans_dir=settings.var_dir / "scans")
        if "database_url" not in values:
            settings = replace(settings, database_url=f"sqlite:///{settings.var_dir}/footprint.db")
    return settings

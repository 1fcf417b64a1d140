"""The 45 territorial police forces of the UK, with their ONS GSS codes.

The list ships inside the package (geo/data/police_forces.csv: code, name, police_uk_id,
country); Northern Ireland's PSNI carries the ONS placeholder N99999999.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

COORDINATOR_CODE = "NCA"  # the national coordinator's organisation
COORDINATOR_NAME = "National Crime Agency (national coordinator)"


@dataclass(frozen=True, slots=True)
class PoliceForce:
    code: str  # ONS GSS code, e.g. E23000001
    name: str
    police_uk_id: str
    country: str


@cache
def police_forces() -> tuple[PoliceForce, ...]:
    text = files("footprint.geo").joinpath("data/police_forces.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return tuple(PoliceForce(r["code"], r["name"], r["police_uk_id"], r["country"]) for r in rows)


@cache
def _names() -> dict[str, str]:
    return {force.code: force.name for force in police_forces()} | {
        COORDINATOR_CODE: COORDINATOR_NAME
    }


def organisation_name(code: str | None) -> str:
    """The name people read for an organisation code (a force's ONS code, the coordinator's);
    the code itself when it names none."""
    if not code:
        return ""
    return _names().get(code, code)


def named(code: str | None) -> str:
    """An organisation as people read it, "Metropolitan Police (E23000001)": the name first,
    the code kept for those who search by it (pages, the CLI)."""
    name = organisation_name(code)
    return f"{name} ({code})" if code and name != code else code or ""

"""The roles a person can hold; what each may do is decided in the services that use them."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    COORDINATOR = "coordinator"
    ANALYST = "analyst"
    FORCE_SUPERVISOR = "force-supervisor"
    INVESTIGATOR = "investigator"
    FORENSIC_EXAMINER = "forensic-examiner"
    AUDITOR = "auditor"


def parse_roles(values: list[str]) -> list[Role]:
    roles = []
    for value in values:
        try:
            roles.append(Role(value.strip().lower()))
        except ValueError:
            allowed = ", ".join(r.value for r in Role)
            raise ValueError(f"role {value!r} is not one of: {allowed}") from None
    if not roles:
        raise ValueError("a user needs at least one role")
    return roles

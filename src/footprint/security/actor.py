"""Who is acting: every service call names an Actor, and every audit entry records one."""

from __future__ import annotations

from dataclasses import dataclass

from footprint.errors import Forbidden
from footprint.geo.forces import COORDINATOR_CODE
from footprint.security.roles import Role


@dataclass(frozen=True, slots=True)
class Actor:
    username: str
    organisation: str  # organisation code: a force's GSS code, or the coordinator's
    roles: frozenset[Role]

    @property
    def is_coordinator(self) -> bool:
        return self.organisation == COORDINATOR_CODE

    def has(self, role: Role) -> bool:
        return role in self.roles

    @classmethod
    def system(cls) -> Actor:
        """The local administrator running setup commands (db upgrade, users add)."""
        return cls("system", COORDINATOR_CODE, frozenset({Role.COORDINATOR}))


class AccessDenied(Forbidden):
    """Raised when an actor may not do something; the message says what and why. `audited`
    once an entry for the refusal is written (the web app and the CLI write one otherwise)."""

    audited: bool = False

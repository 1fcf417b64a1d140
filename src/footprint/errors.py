"""What the services refuse with, and how each refusal is answered: one hierarchy, mapped once
to an HTTP status (API and pages) and a message (CLI, exit code 2).

Each refusal also stays the built-in error it always was (LookupError, PermissionError,
ValueError), so code that catches those goes on working. This module imports nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


class Refusal(Exception):
    """A request the system will not carry out, with a message that says why."""

    status: ClassVar[int] = 422


class NotFound(Refusal, LookupError):
    """Absent, or another force's and not shared: the two read the same."""

    status: ClassVar[int] = 404


class Forbidden(Refusal, PermissionError):
    status: ClassVar[int] = 403


class NotSignedIn(Forbidden):
    status: ClassVar[int] = 401


class Invalid(Refusal, ValueError):
    """Bad input; the message names the field: "field: reason"."""

    status: ClassVar[int] = 422


class Conflict(Refusal, ValueError):
    """Allowed in general, not from the record's present state (a case transition)."""

    status: ClassVar[int] = 409


class RecordError(Invalid):
    """A record that cannot be taken in: names the field and the reason."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason

    def __reduce__(self) -> tuple[type[RecordError], tuple[str, str]]:
        return type(self), (self.field, self.reason)  # to cross to and from a worker process


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    """A record left out of a batch that went on: where, which field, why."""

    record: int  # 1-based record number (or line number for CSV and lists)
    field: str
    reason: str


# What the interfaces answer as a refusal: ours, and the built-ins the services' libraries raise.
REFUSALS: tuple[type[Exception], ...] = (Refusal, LookupError, PermissionError, ValueError)


def status_for(exc: BaseException) -> int:
    """The HTTP status of a refusal (the one mapping the API and the pages share)."""
    if isinstance(exc, Refusal):
        return exc.status
    if isinstance(exc, LookupError):
        return NotFound.status
    if isinstance(exc, PermissionError):
        return Forbidden.status
    return Invalid.status


def message_for(exc: BaseException) -> str:
    """What a person is told: "field: reason" for a record, the message otherwise."""
    if isinstance(exc, RecordError):
        return f"{exc.field}: {exc.reason}"
    return str(exc)

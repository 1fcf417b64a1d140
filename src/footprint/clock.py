"""The one clock: instants in UTC, and the service day in Europe/London.

Bail ends on a day in England and Wales, and a supervisor's "today" is the day on the wall in
London, not in UTC (between midnight and 1 a.m. in summer they differ). Every "today" in the
services, the API, the pages and the CLI comes from `service_day`. This module imports nothing
else from footprint.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SERVICE_ZONE = ZoneInfo("Europe/London")


def now() -> datetime:
    """This instant, in UTC (how every timestamp is stored)."""
    return datetime.now(UTC)


def service_day(at: datetime | None = None) -> date:
    """The day in England and Wales at `at` (now by default)."""
    return (at or now()).astimezone(SERVICE_ZONE).date()


# "04 Dec 2026": the one way a day is written for people. Written out by hand: strftime reads
# the C locale's month names, and cost more than the rest of a long list's page
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _day_text(day: date) -> str:
    return f"{day.day:02d} {_MONTHS[day.month - 1]} {day.year}"


def uk_time(at: datetime | str, seconds: bool = False) -> str:
    """An instant as people in England and Wales read it, with its zone: "04 Dec 2026 11:15 GMT"
    (BST in summer). A time without a zone is taken as UTC, as the store keeps them; text is
    read as ISO 8601 (a package's snapshot keeps instants so)."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    local = aware.astimezone(SERVICE_ZONE)
    clock = f"{local.hour:02d}:{local.minute:02d}" + (f":{local.second:02d}" if seconds else "")
    return f"{_day_text(local)} {clock} {local.tzname()}"


def uk_day(day: date | datetime) -> str:
    """A day as people read it; an instant gives its day in England and Wales."""
    if isinstance(day, datetime):
        day = service_day(day if day.tzinfo is not None else day.replace(tzinfo=UTC))
    return _day_text(day)

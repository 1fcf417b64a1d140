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

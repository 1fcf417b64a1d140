"""Times as people in England and Wales read them: one format, the zone shown, the service day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from footprint.clock import SERVICE_ZONE, service_day, uk_day, uk_time


def test_winter_is_gmt_and_summer_is_bst() -> None:
    assert uk_time(datetime(2026, 12, 4, 11, 5, tzinfo=UTC)) == "04 Dec 2026 11:05 GMT"
    assert uk_time(datetime(2026, 7, 1, 11, 5, 9, tzinfo=UTC), seconds=True) == (
        "01 Jul 2026 12:05:09 BST"
    )


def test_a_time_without_a_zone_is_utc_and_text_is_iso_8601() -> None:
    assert uk_time(datetime(2026, 7, 1, 23, 30)) == "02 Jul 2026 00:30 BST"
    assert uk_time("2026-03-29T00:59:00+00:00") == "29 Mar 2026 00:59 GMT"
    assert uk_time("2026-03-29T01:00:00+00:00") == "29 Mar 2026 02:00 BST"


def test_an_instant_gives_its_day_in_london() -> None:
    late_summer_night = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    assert service_day(late_summer_night) == date(2026, 7, 2)
    assert uk_day(late_summer_night) == "02 Jul 2026"
    assert uk_day(date(2027, 1, 9)) == "09 Jan 2027"


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)))
def test_the_text_is_what_strftime_writes_in_english(at: datetime) -> None:
    local = at.replace(tzinfo=UTC).astimezone(SERVICE_ZONE)
    assert uk_time(at, seconds=True) == local.strftime("%d %b %Y %H:%M:%S %Z")
    assert uk_day(at.date()) == at.date().strftime("%d %b %Y")


def test_another_zone_is_converted_not_relabelled() -> None:
    new_york = timezone(timedelta(hours=-5))
    assert uk_time(datetime(2026, 12, 4, 6, 0, tzinfo=new_york)) == "04 Dec 2026 11:00 GMT"

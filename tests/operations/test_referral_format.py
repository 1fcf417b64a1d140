from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from footprint.errors import RecordError
from footprint.operations.identifiers import normalise_phone, normalise_postcode
from footprint.operations.referral_format import parse_p2p_row, parse_referral
from tests.operations.samples import referral


def test_a_full_referral_is_normalised() -> None:
    parsed = parse_referral(referral(1))
    assert (parsed.source, parsed.report_id) == ("NCMEC", "TIP-000001")
    kinds = {(i.kind, i.value) for i in parsed.identifiers}
    assert ("email", "user1@example.org") in kinds
    assert ("phone", "+447700900123") in kinds
    assert ("screen_name", "screen1") in kinds
    (event,) = parsed.ip_events
    assert (event.ip, event.port, event.at) == (
        "203.0.113.7",
        51234,
        datetime(2026, 10, 1, 12, 0, tzinfo=UTC),
    )
    assert parsed.postcodes == ["SW1A 1AA"]
    (shared,) = parsed.files
    assert shared.md5 == f"{1:032x}" and shared.pdq == "ab" * 32


def broken(path: list[str | int], value: Any) -> dict[str, Any]:
    doc = referral(2)
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "field", "reason"),
    [
        (referral(3, report_id=None), "report_id", "missing"),
        (referral(3, source=""), "source", "missing"),
        (
            broken(["reported_person", "emails", 0], "not-an-email"),
            "reported_person.emails[0]",
            "not an e-mail",
        ),
        (
            broken(["reported_person", "phones", 0], "12"),
            "reported_person.phones[0]",
            "phone number",
        ),
        (
            broken(["reported_person", "ip_events", 0, "port"], 70000),
            "reported_person.ip_events[0].port",
            "outside",
        ),
        (
            broken(["reported_person", "ip_events", 0, "at"], "2026-10-01T13:00:00"),
            "reported_person.ip_events[0].at",
            "no time zone",
        ),
        (
            broken(["reported_person", "ip_events", 0, "ip"], "999.1.1.1"),
            "reported_person.ip_events[0].ip",
            "not an IP",
        ),
        (broken(["files", 0, "hashes", 0, "value"], "xyz"), "md5", "32 hex digits"),
        (
            broken(["files", 0, "hashes", 1, "type"], "CRC"),
            "files[0].hashes[1].type",
            "unknown hash type",
        ),
        (
            broken(["reported_person", "addresses", 0, "postcode"], "NOWHERE"),
            "reported_person.addresses[0].postcode",
            "postcode",
        ),
        (referral(3, files="a file"), "files", "expected a list"),
        ("a string", "referral", "expected an object"),
    ],
)
def test_bad_fields_are_named(doc: Any, field: str, reason: str) -> None:
    with pytest.raises(RecordError) as caught:
        parse_referral(doc)
    assert caught.value.field == field
    assert reason in caught.value.reason


def test_p2p_rows_get_stable_ids() -> None:
    row = {
        "ip": "198.51.100.4",
        "port": "6881",
        "timestamp": "2026-09-30T22:15:00+00:00",
        "client_id": "-UT3550-ABC",
        "md5": "aa" * 16,
    }
    first, again = parse_p2p_row(row), parse_p2p_row(dict(row))
    assert first.report_id == again.report_id and first.source == "p2p"
    assert first.identifiers[0].value == "-ut3550-abc"
    assert parse_p2p_row({**row, "port": "6882"}).report_id != first.report_id
    assert parse_p2p_row({**row, "observation_id": "OBS-9"}).report_id == "OBS-9"
    with pytest.raises(RecordError, match="no file hash"):
        parse_p2p_row({**row, "md5": ""})


def test_identifier_helpers() -> None:
    assert normalise_phone("+44 (0)20 7946 0000", "p") == "+442079460000"
    assert normalise_postcode(" m1  1ae ", "p") == "M1 1AE"
    with pytest.raises(RecordError):
        normalise_postcode("M1", "p")

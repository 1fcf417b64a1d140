"""CyberTipline reports as XML (NCMEC's reporting API shape), read into referrals: the parser on
its own, then the intake of whole files on the real store."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from footprint.errors import RecordError
from footprint.operations.cybertip_xml import parse_cybertip_report
from footprint.operations.intake import import_referrals
from footprint.operations.referral_format import ParsedReferral
from footprint.operations.service import create_operation
from footprint.security.actor import Actor
from footprint.store import Database
from footprint.store.models import Referral, ReferralFileRow
from tests.operations.cybertip_samples import (
    cybertip_file,
    cybertip_report,
    file_details,
)

MET = "E23000001"


def parsed(text: str) -> ParsedReferral:
    return parse_cybertip_report(ET.fromstring(text))


def test_a_report_maps_onto_the_referral_model() -> None:
    referral = parsed(cybertip_report(81234567, 5))
    assert (referral.source, referral.report_id) == ("NCMEC", "81234567")
    assert (referral.incident_type or "").startswith("Child Pornography")
    assert referral.incident_at == datetime(2026, 10, 1, 12, tzinfo=UTC)
    assert {(i.kind, i.value) for i in referral.identifiers} == {
        ("email", "user5@example.org"),
        ("phone", "+447700900123"),  # the country calling code given apart is put in front
        ("screen_name", "screen5"),
        ("esp_account", "esp-5"),
        ("profile_url", "https://example.org/u/5"),
        ("device_id", "35-209900-176148-5"),
    }
    assert referral.postcodes == ["SW1A 1AA"]  # the US address has no postcode to allocate by
    login, upload = referral.ip_events
    assert (login.ip, login.port, login.event, login.possible_proxy) == (
        "203.0.113.7",
        51234,
        "Login",
        False,
    )
    assert login.at == datetime(2026, 10, 1, 12, tzinfo=UTC)  # +01:00 stored as UTC
    assert (upload.ip, upload.event) == ("198.51.100.5", "Upload")
    (item,) = referral.files
    assert (item.file_name, item.industry_classification) == ("f5.jpg", "A1")
    assert item.signals == {"md5": f"{5:032x}", "sha1": f"{5:040x}", "pdq": "ab" * 32}
    assert item.uploaded_at == datetime(2026, 10, 1, 12, tzinfo=UTC)
    assert referral.prior_report_ids == ["9005"]


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ('<phone countryCallingCode="+44">7700900456</phone>', "+447700900456"),
        ('<phone countryCallingCode="44">07700900456</phone>', "+447700900456"),  # trunk 0
        ('<phone countryCallingCode="+1">+447700900456</phone>', "+447700900456"),
        ("<phone><number>+447700900456</number></phone>", "+447700900456"),
    ],
)
def test_a_phone_is_read_with_its_country_calling_code(written: str, e164: str) -> None:
    person = f"<personOrUserReportedPerson>{written}</personOrUserReportedPerson>"
    report = cybertip_report(9, 9).replace(
        "<personOrUserReported>", f"<personOrUserReported>{person}", 1
    )
    phones = [i.value for i in parsed(report).identifiers if i.kind == "phone"]
    assert phones == [e164]  # one personOrUserReportedPerson per report: the first is read


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        (cybertip_report(None), "report/reportId", "missing"),
        (
            '<report id="5"><reporter/></report>',
            "report/incidentSummary",
            "not a CyberTipline report",
        ),
        (
            cybertip_report(1, incident_at="2026-10-01T12:00:00"),
            "incidentSummary/incidentDateTime",
            "no time zone",
        ),
        (
            cybertip_report(1, login_at="soon"),
            "personOrUserReported/ipCaptureEvent[1]/dateTime",
            "not an ISO 8601",
        ),
        (
            cybertip_report(1, files=file_details(None, 1, md5="xyz")),
            "report/fileDetails[1]/originalFileHash[1]",
            "32 hex",
        ),
        (
            cybertip_report(
                1, person_extra="<ipCaptureEvent><ipAddress>999.1.1.1</ipAddress></ipCaptureEvent>"
            ),
            "personOrUserReported/ipCaptureEvent[2]/ipAddress",
            "not an IP",
        ),
        (
            cybertip_report(
                1,
                files='<fileDetails><originalFileHash hashType="CRC32">ab</originalFileHash>'
                "</fileDetails>",
            ),
            "report/fileDetails[1]/originalFileHash[1]/hashType",
            "unknown hash type 'CRC32'",
        ),
    ],
)
def test_a_bad_report_names_the_element_by_its_path(text: str, field: str, reason: str) -> None:
    with pytest.raises(RecordError) as caught:
        parsed(text)
    assert caught.value.field == field and reason in caught.value.reason


@pytest.fixture
def operation(database: Database) -> str:
    with database.unit_of_work() as session:
        create_operation(session, Actor.system(), "Op Tip", date(2026, 10, 1), [MET])
    return "Op Tip"


def _count(database: Database, model: type) -> int:
    with database.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_file_of_reports_goes_in_with_file_details_from_outside_their_report(
    database: Database, operation: str, tmp_path: Path
) -> None:
    reports = [
        cybertip_report(100, 1),
        cybertip_report(101, 2, files=""),  # its files come after all the reports
        cybertip_report(102, 3, login_at="2026-10-01T13:00:00"),  # no zone: refused
        cybertip_report(103, 4, files=""),
    ]
    outside = file_details("101", 20) + file_details("101", 21) + file_details("999", 22)
    path = tmp_path / "tips.xml"
    path.write_text(cybertip_file(*reports, outside=outside))
    report = import_referrals(database, Actor.system(), operation, path)
    assert (report.format, report.imported) == ("cybertip-xml", 3)
    assert [(s.record, s.field) for s in report.skipped] == [
        (3, "personOrUserReported/ipCaptureEvent[1]/dateTime"),
        (5, "fileDetails/reportId"),
    ]
    assert "names report '999', which this file does not hold" in report.skipped[1].reason
    assert _count(database, Referral) == 3
    assert _count(database, ReferralFileRow) == 1 + 2  # report 100's own, report 101's two
    again = import_referrals(database, Actor.system(), operation, path)
    assert (again.imported, again.already_present) == (0, 3)


def test_one_report_alone_in_its_namespace_goes_in(
    database: Database, operation: str, tmp_path: Path
) -> None:
    path = tmp_path / "one.xml"
    text = cybertip_report(7, 7).replace(
        "<report>", '<report xmlns="https://report.cybertip.org/ispws">', 1
    )
    path.write_text(cybertip_file(text, root=""))
    report = import_referrals(database, Actor.system(), operation, path)
    assert (report.imported, report.skipped, report.error) == (1, [], None)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y">]><report>&x;</report>',
            "declares a DTD",
        ),
        (cybertip_file(cybertip_report(1))[:-40], "not well-formed XML"),
    ],
)
def test_an_xml_file_that_cannot_be_read_says_so(
    database: Database, operation: str, tmp_path: Path, text: str, said: str
) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(text)
    report = import_referrals(database, Actor.system(), operation, path)
    assert report.error is not None and said in report.error and "bad.xml" in report.error
    assert report.imported == 0 and _count(database, Referral) == 0

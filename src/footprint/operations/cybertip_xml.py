"""NCMEC CyberTipline reports as XML, in the shape of NCMEC's public reporting API: a `report`
with `incidentSummary`, `reporter`, `personOrUserReported`, `internetDetails`, and the
`fileDetails` of its files (inside the report, or beside it naming its `reportId`). Parsed with no
I/O into a `ParsedReferral`; every problem is a RecordError naming the element by its path
(``personOrUserReported/ipCaptureEvent[2]/dateTime``, counted from 1 as XPath does).

What the referral model has no place for (the reporter, the internet details, the victims,
free text) is not kept: the report itself stays the record of what NCMEC said.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

from footprint.errors import RecordError
from footprint.hashsets.model import normalise_signal
from footprint.operations.identifiers import (
    IdentifierKind,
    normalise_identifier,
    normalise_ip,
    normalise_postcode,
    parse_port,
    parse_zoned_time,
)
from footprint.operations.referral_format import (
    HASH_TYPES,
    Identifier,
    IpEvent,
    ParsedReferral,
    ReferralFile,
)
from footprint.signals.kinds import registered_kind

CYBERTIP_SOURCE = "NCMEC"
REPORT, FILE_DETAILS = "report", "fileDetails"
_UK = {"", "GB", "UK", "GBR"}  # an address elsewhere has no postcode that allocation could use

# personOrUserReported's child -> the identifier it holds
_PERSON_IDENTIFIERS = (
    ("screenName", IdentifierKind.SCREEN_NAME),
    ("espIdentifier", IdentifierKind.ESP_ACCOUNT),
    ("profileUrl", IdentifierKind.PROFILE_URL),
)


def report_id_of(element: ET.Element) -> str | None:
    """A report's id: its `reportId` child, or attribute, as NCMEC numbers it."""
    found = element.findtext("reportId") or element.get("reportId") or element.get("id")
    return found.strip() if found and found.strip() else None


def _children(parent: ET.Element | None, tag: str, path: str) -> Iterator[tuple[ET.Element, str]]:
    """Each child of that name with its path, numbered from 1."""
    if parent is None:
        return
    for index, child in enumerate(parent.findall(tag), start=1):
        yield child, f"{path}/{tag}[{index}]"


def _text(element: ET.Element | None) -> str | None:
    if element is None or element.text is None or not element.text.strip():
        return None
    return element.text.strip()


def _flag(element: ET.Element | None, path: str) -> bool | None:
    text = _text(element)
    if text is None:
        return None
    if text.lower() in ("true", "1"):
        return True
    if text.lower() in ("false", "0"):
        return False
    raise RecordError(path, f"expected true or false, got {text!r}")


def parse_cybertip_report(report: ET.Element) -> ParsedReferral:
    """One `report` element (its fileDetails already inside it) to a ParsedReferral."""
    report_id = report_id_of(report)
    if report_id is None:
        raise RecordError("report/reportId", "missing: a CyberTipline report needs its number")
    summary = report.find("incidentSummary")
    if summary is None:  # the one part every CyberTipline report has; other XML has no such part
        raise RecordError("report/incidentSummary", "missing: not a CyberTipline report")
    referral = ParsedReferral(source=CYBERTIP_SOURCE, report_id=report_id)
    referral.incident_type = _text(summary.find("incidentType"))
    when = _text(summary.find("incidentDateTime"))
    if when is not None:
        referral.incident_at = parse_zoned_time(when, "incidentSummary/incidentDateTime")
    person = report.find("personOrUserReported")
    if person is not None:
        _read_reported_person(referral, person, "personOrUserReported")
    for details, path in _children(report, FILE_DETAILS, "report"):
        referral.files.append(_file(referral, details, path))
    referral.identifiers = list(dict.fromkeys(referral.identifiers))
    referral.postcodes = list(dict.fromkeys(referral.postcodes))
    return referral


def _read_reported_person(referral: ParsedReferral, person: ET.Element, path: str) -> None:
    real = person.find("personOrUserReportedPerson")
    real_path = f"{path}/personOrUserReportedPerson"
    for email, where in _children(real, "email", real_path):
        _identify(referral, IdentifierKind.EMAIL, _text(email), where)
    for phone, where in _children(real, "phone", real_path):
        _identify(referral, IdentifierKind.PHONE, _phone(phone), where)
    for address, where in _children(real, "address", real_path):
        _postcode(referral, address, where)
    for tag, kind in _PERSON_IDENTIFIERS:
        for element, where in _children(person, tag, path):
            _identify(referral, kind, _text(element), where)
    for device, where in _children(person, "deviceId", path):
        _identify(referral, IdentifierKind.DEVICE_ID, _text(device.find("idValue")), where)
    for event, where in _children(person, "ipCaptureEvent", path):
        referral.ip_events.append(_ip_event(event, where))
    for prior in person.findall("priorCTReports"):
        if (text := _text(prior)) is not None:
            referral.prior_report_ids.append(text)


def _identify(referral: ParsedReferral, kind: IdentifierKind, value: str | None, path: str) -> None:
    if value is not None:
        referral.identifiers.append(Identifier(kind, normalise_identifier(kind, value, path)))


def _phone(phone: ET.Element) -> str | None:
    """The number, with its country calling code where the report gives one apart."""
    number = _text(phone) or _text(phone.find("number"))
    code = (phone.get("countryCallingCode") or "").strip()
    if number is None or not code or number.startswith(("+", "00")):
        return number
    national = number[1:] if number.startswith("0") else number  # the trunk prefix goes
    return f"+{code.lstrip('+')}{national}"


def _postcode(referral: ParsedReferral, address: ET.Element, path: str) -> None:
    country = (_text(address.find("country")) or "").upper()
    postcode = _text(address.find("zipCode"))
    if postcode is not None and country in _UK:
        referral.postcodes.append(normalise_postcode(postcode, f"{path}/zipCode"))


def _ip_event(event: ET.Element, path: str) -> IpEvent:
    ip = _text(event.find("ipAddress"))
    if ip is None:
        raise RecordError(f"{path}/ipAddress", "missing")
    return IpEvent(
        ip=normalise_ip(ip, f"{path}/ipAddress"),
        port=parse_port(_text(event.find("port")), f"{path}/port"),
        at=parse_zoned_time(_text(event.find("dateTime")), f"{path}/dateTime"),
        event=_text(event.find("eventName")),
        possible_proxy=_flag(event.find("possibleProxy"), f"{path}/possibleProxy"),
    )


def _file(referral: ParsedReferral, details: ET.Element, path: str) -> ReferralFile:
    item = ReferralFile(
        file_name=_text(details.find("originalFileName")) or _text(details.find("fileName")),
        industry_classification=_text(details.find("industryClassification")),
    )
    for digest, where in _children(details, "originalFileHash", path):
        _hash(item, digest.get("hashType") or _text(digest.find("hashType")), digest, where)
    for detail, where in _children(details, "details", path):  # metadata; type HASH holds hashes
        if (detail.get("type") or _text(detail.find("type")) or "").upper() == "HASH":
            _hash(item, _text(detail.find("name")), detail.find("value"), where)
    event = details.find("ipCaptureEvent")
    if event is not None:  # where the file came from: an IP event of the referral too
        captured = _ip_event(event, f"{path}/ipCaptureEvent")
        referral.ip_events.append(captured)
        if (captured.event or "Upload").lower() == "upload":
            item.uploaded_at = captured.at
    return item


def _hash(item: ReferralFile, hash_type: str | None, value: ET.Element | None, path: str) -> None:
    kind = (hash_type or "").strip().upper()
    text = None if value is None else (value.findtext("value") or value.text or "").strip()
    if not text:
        raise RecordError(path, "a hash without a value")
    if kind == "PHOTODNA":
        item.photodna = text
        return
    signal = HASH_TYPES.get(kind) or registered_kind(kind.lower())
    if signal is None:
        raise RecordError(f"{path}/hashType", f"unknown hash type {hash_type!r}")
    item.signals[signal] = normalise_signal(text, signal, path) or ""

"""Referral intake formats, parsed and validated with no I/O (docs/formats.md, "Referrals").

Two shapes: a JSON referral shaped like a CyberTipline report, and a CSV row of a peer-to-peer
observation. Both become a `ParsedReferral`; every problem is a RecordError naming the field by
its path (e.g. ``reported_person.ip_events[2].port``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from footprint.errors import RecordError
from footprint.hashsets.model import normalise_signal, present
from footprint.operations.identifiers import (
    IdentifierKind,
    normalise_identifier,
    normalise_ip,
    normalise_postcode,
    parse_port,
    parse_zoned_time,
)
from footprint.signals.kinds import NamedSignals, registered_kind

P2P_SOURCE = "p2p"
HASH_TYPES = {
    "MD5": "md5",
    "SHA1": "sha1",
    "SHA-1": "sha1",
    "SHA256": "sha256",
    "SHA-256": "sha256",
    "PDQ": "pdq",
}


@dataclass(frozen=True, slots=True)
class Identifier:
    kind: str  # email | phone | screen_name | esp_account | device_id | profile_url
    value: str  # normalised: what resolution compares


@dataclass(frozen=True, slots=True)
class IpEvent:
    ip: str
    port: int | None
    at: datetime  # UTC
    event: str | None
    possible_proxy: bool | None


@dataclass(slots=True)
class ReferralFile(NamedSignals):
    file_name: str | None
    signals: dict[str, str] = field(default_factory=dict)  # kind -> value (md5, pdq, ...)
    photodna: str | None = None
    industry_classification: str | None = None
    uploaded_at: datetime | None = None


@dataclass(slots=True)
class ParsedReferral:
    source: str
    report_id: str
    incident_type: str | None = None
    incident_at: datetime | None = None
    identifiers: list[Identifier] = field(default_factory=list)
    ip_events: list[IpEvent] = field(default_factory=list)
    files: list[ReferralFile] = field(default_factory=list)
    postcodes: list[str] = field(default_factory=list)
    prior_report_ids: list[str] = field(default_factory=list)


def _text(value: object, name: str, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RecordError(name, "missing")
        return None
    if not isinstance(value, str | int):
        raise RecordError(name, f"expected text, got {type(value).__name__}")
    return str(value).strip()


def _list(doc: dict[str, Any], key: str, path: str) -> list[Any]:
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(f"{path}{key}", f"expected a list, got {type(value).__name__}")
    return value


def _object(value: object, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RecordError(name, f"expected an object, got {type(value).__name__}")
    return value


# a referral's reported_person field -> the identifier kind it holds
_IDENTIFIER_FIELDS = (
    ("emails", IdentifierKind.EMAIL),
    ("phones", IdentifierKind.PHONE),
    ("screen_names", IdentifierKind.SCREEN_NAME),
    ("esp_user_ids", IdentifierKind.ESP_ACCOUNT),
    ("device_ids", IdentifierKind.DEVICE_ID),
    ("profile_urls", IdentifierKind.PROFILE_URL),
)


def _identifiers(person: dict[str, Any]) -> list[Identifier]:
    found: list[Identifier] = []
    for key, kind in _IDENTIFIER_FIELDS:
        for index, raw in enumerate(_list(person, key, "reported_person.")):
            name = f"reported_person.{key}[{index}]"
            text = _text(raw, name, required=True)
            assert text is not None
            found.append(Identifier(kind, normalise_identifier(kind, text, name)))
    return list(dict.fromkeys(found))


def _ip_event(doc: object, name: str) -> IpEvent:
    event = _object(doc, name)
    proxy = event.get("possible_proxy")
    if proxy is not None and not isinstance(proxy, bool):
        raise RecordError(f"{name}.possible_proxy", f"expected true or false, got {proxy!r}")
    return IpEvent(
        ip=normalise_ip(_text(event.get("ip"), f"{name}.ip", required=True) or "", f"{name}.ip"),
        port=parse_port(event.get("port"), f"{name}.port"),
        at=parse_zoned_time(event.get("at"), f"{name}.at"),
        event=_text(event.get("event"), f"{name}.event"),
        possible_proxy=proxy,
    )


def _file(doc: object, name: str) -> ReferralFile:
    entry = _object(doc, name)
    item = ReferralFile(
        file_name=_text(entry.get("file_name"), f"{name}.file_name"),
        industry_classification=_text(
            entry.get("industry_classification"), f"{name}.industry_classification"
        ),
    )
    if entry.get("uploaded_at") is not None:
        item.uploaded_at = parse_zoned_time(entry["uploaded_at"], f"{name}.uploaded_at")
    for index, raw in enumerate(_list(entry, "hashes", f"{name}.")):
        hash_name = f"{name}.hashes[{index}]"
        digest = _object(raw, hash_name)
        kind = str(digest.get("type", "")).strip().upper()
        value = _text(digest.get("value"), f"{hash_name}.value", required=True) or ""
        signal = HASH_TYPES.get(kind) or registered_kind(kind.lower())
        if kind == "PHOTODNA":
            item.photodna = value
        elif signal is not None:
            item.signals[signal] = normalise_signal(value, signal) or ""
        else:
            raise RecordError(f"{hash_name}.type", f"unknown hash type {kind!r}")
    return item


def parse_referral(doc: object) -> ParsedReferral:
    """A CyberTipline-shaped referral (JSON object) to a ParsedReferral."""
    report = _object(doc, "referral")
    person = _object(report.get("reported_person") or {}, "reported_person")
    referral = ParsedReferral(
        source=_text(report.get("source"), "source", required=True) or "",
        report_id=_text(report.get("report_id"), "report_id", required=True) or "",
        incident_type=_text(report.get("incident_type"), "incident_type"),
        identifiers=_identifiers(person),
    )
    if report.get("incident_at") is not None:
        referral.incident_at = parse_zoned_time(report["incident_at"], "incident_at")
    referral.ip_events = [
        _ip_event(e, f"reported_person.ip_events[{i}]")
        for i, e in enumerate(_list(person, "ip_events", "reported_person."))
    ]
    for index, raw in enumerate(_list(person, "addresses", "reported_person.")):
        address = _object(raw, f"reported_person.addresses[{index}]")
        if address.get("postcode"):
            name = f"reported_person.addresses[{index}].postcode"
            referral.postcodes.append(normalise_postcode(str(address["postcode"]), name))
    referral.files = [_file(f, f"files[{i}]") for i, f in enumerate(_list(report, "files", ""))]
    referral.prior_report_ids = [
        _text(p, f"prior_report_ids[{i}]", required=True) or ""
        for i, p in enumerate(_list(report, "prior_report_ids", ""))
    ]
    return referral


P2P_COLUMNS = ("ip", "port", "timestamp", "client_id")


def parse_p2p_row(row: dict[str, str]) -> ParsedReferral:
    """One peer-to-peer observation: ip, port, timestamp (with zone), client_id, and any of
    md5, sha1, sha256 (the file seen shared); observation_id if the tool gives one."""
    at = parse_zoned_time(row.get("timestamp"), "timestamp")
    ip = normalise_ip(row.get("ip") or "", "ip")
    port = parse_port(row.get("port"), "port")
    client = (row.get("client_id") or "").strip()
    shared = ReferralFile(
        file_name=(row.get("file_name") or "").strip() or None,
        signals=present({k: normalise_signal(row.get(k), k) for k in ("md5", "sha1", "sha256")}),
    )
    if not (shared.md5 or shared.sha1 or shared.sha256):
        raise RecordError("md5", "no file hash (md5, sha1 or sha256) in this observation")
    observation = (row.get("observation_id") or "").strip() or _observation_key(
        ip, port, at, client, shared
    )
    referral = ParsedReferral(
        source=P2P_SOURCE, report_id=observation, incident_type="p2p-distribution", incident_at=at
    )
    referral.ip_events = [IpEvent(ip, port, at, "share", None)]
    if client:
        referral.identifiers = [Identifier("device_id", client.lower())]
    referral.files = [shared]
    return referral


def _observation_key(
    ip: str, port: int | None, at: datetime, client: str, shared: ReferralFile
) -> str:
    """The same observation always gets the same id, so re-importing a CSV changes nothing."""
    parts = [
        ip,
        str(port),
        at.isoformat(),
        client,
        shared.md5 or "",
        shared.sha1 or "",
        shared.sha256 or "",
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]

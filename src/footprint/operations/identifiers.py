"""Normalising the identifiers that link referrals to one subject (pure functions)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache

import phonenumbers

from footprint.errors import RecordError
from footprint.geo.postcodes import normalise_postcode

__all__ = [
    "STRONG_KINDS",
    "IdentifierKind",
    "normalise_email",
    "normalise_identifier",
    "normalise_ip",
    "normalise_phone",
    "normalise_postcode",
    "parse_port",
    "parse_zoned_time",
]

DEFAULT_PHONE_REGION = "GB"
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(value: str, field: str) -> str:
    text = value.strip().lower()
    if not _EMAIL_RE.match(text):
        raise RecordError(field, f"not an e-mail address: {value!r}")
    return text


def normalise_phone(value: str, field: str, region: str = DEFAULT_PHONE_REGION) -> str:
    """E.164, e.g. +447700900123; numbers without a country code are read as `region`."""
    return _e164(value, region, field)


@lru_cache(maxsize=65_536)  # parsing is slow and the same numbers recur across referrals
def _e164(value: str, region: str, field: str) -> str:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise RecordError(field, f"not a phone number: {value!r} ({exc})") from None
    if not phonenumbers.is_possible_number(number):
        raise RecordError(field, f"not a possible phone number: {value!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_ip(value: str, field: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise RecordError(field, f"not an IP address: {value!r}") from None


class IdentifierKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    SCREEN_NAME = "screen_name"
    ESP_ACCOUNT = "esp_account"  # an account at one online service: means nothing elsewhere
    DEVICE_ID = "device_id"
    PROFILE_URL = "profile_url"


K = IdentifierKind
STRONG_KINDS = frozenset({K.EMAIL, K.PHONE, K.ESP_ACCOUNT, K.DEVICE_ID})  # these link referrals
_NORMALISE: dict[IdentifierKind, Callable[[str, str], str]] = {
    K.EMAIL: normalise_email,
    K.PHONE: normalise_phone,
    K.SCREEN_NAME: lambda value, _field: value.strip().lower(),
    K.ESP_ACCOUNT: lambda value, _field: value.strip(),  # case matters at some services
    K.DEVICE_ID: lambda value, _field: value.strip().lower(),
    K.PROFILE_URL: lambda value, _field: value.strip(),  # case matters in a URL's path
}


def normalise_identifier(kind: str, value: str, field: str) -> str:
    """An identifier as it is stored and compared: the one rule for intake and look-ups."""
    try:
        known = IdentifierKind(kind)
    except ValueError:
        choices = ", ".join(IdentifierKind)
        raise RecordError("kind", f"{kind!r} is not one of {choices}") from None
    return _NORMALISE[known](value, field)


def parse_port(value: object, field: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        port = int(str(value))
    except ValueError:
        raise RecordError(field, f"not a port number: {value!r}") from None
    if not 0 < port < 65536:
        raise RecordError(field, f"port {port} outside 1-65535")
    return port


def parse_zoned_time(value: object, field: str) -> datetime:
    """An ISO 8601 time with its zone, as UTC. A time without a zone is refused: carrier-grade
    NAT makes IP + port + time useless unless the time is exact."""
    if not isinstance(value, str) or not value.strip():
        raise RecordError(field, "missing date-time")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise RecordError(field, f"not an ISO 8601 date-time: {value!r}") from None
    if moment.tzinfo is None:
        raise RecordError(field, f"date-time {value!r} has no time zone")
    return moment.astimezone(UTC)

"""Synthetic referrals (no real people: example.org, Ofcom drama numbers, documentation IPs)."""

from __future__ import annotations

from typing import Any


def referral(n: int, **overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "source": "NCMEC",
        "report_id": f"TIP-{n:06d}",
        "incident_type": "Apparent child pornography",
        "incident_at": "2026-10-01T12:00:00Z",
        "reported_person": {
            "emails": [f"User{n}@Example.org"],
            "phones": ["07700 900123"],
            "screen_names": [f"Screen{n}"],
            "esp_user_ids": [f"esp-{n}"],
            "device_ids": [],
            "addresses": [{"line1": "1 Example Street", "postcode": "sw1a1aa"}],
            "ip_events": [
                {
                    "ip": "203.0.113.7",
                    "port": 51234,
                    "at": "2026-10-01T13:00:00+01:00",
                    "event": "Login",
                    "possible_proxy": False,
                }
            ],
        },
        "files": [
            {
                "file_name": f"f{n}.jpg",
                "hashes": [
                    {"type": "MD5", "value": f"{n:032X}"},
                    {"type": "PDQ", "value": "ab" * 32},
                ],
                "industry_classification": "A1",
                "uploaded_at": "2026-10-01T12:00:00Z",
            }
        ],
        "prior_report_ids": [],
    }
    doc.update(overrides)
    return doc


def lone_referral(n: int) -> dict[str, Any]:
    """A referral that resolves to a subject of its own (no identifier shared with another)."""
    doc = referral(n)
    person = doc["reported_person"]
    person["phones"] = [f"07700 9{n % 100000:05d}"]
    person["ip_events"] = []
    return doc

"""Synthetic referrals for demos and benchmarks: no real person, place or image.

People are invented; e-mails use example.org, phones the Ofcom drama range (07700 900000-900999),
IP addresses the documentation ranges (RFC 5737), postcodes the made-up districts XA1..XE9 (no
UK postcode area starts with X), one district per force. Some people are referred more than once,
by the same e-mail or phone, so subject resolution has merges to make. File hashes are either the
MD5s of a benign "known" set or random (unknown: queued for human grading).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

DOC_NETWORKS = ("192.0.2", "198.51.100", "203.0.113")
OPERATION_START = datetime(2026, 9, 1, tzinfo=UTC)
INCIDENT_TYPES = (
    "Apparent child pornography",
    "Apparent child pornography (unconfirmed)",
    "Peer-to-peer distribution",
)


def district_for(force_index: int) -> str:
    """The made-up postcode district of the force at this index (0..44): XA1 .. XE9."""
    return f"X{chr(ord('A') + force_index // 9)}{force_index % 9 + 1}"


def postcode_table(force_codes: Sequence[str]) -> list[tuple[str, str]]:
    """(district, force code) rows for `footprint postcodes load --format table`."""
    return [(district_for(i), code) for i, code in enumerate(force_codes)]


def synthetic_referrals(
    count: int,
    force_codes: Sequence[str],
    known_md5s: Sequence[str],
    seed: int = 2026,
    repeat_share: float = 0.2,
    unplaced_share: float = 0.03,
) -> Iterator[dict[str, Any]]:
    """`count` referrals; `repeat_share` of them name a person referred before."""
    rng = random.Random(seed)
    people = 0
    for n in range(count):
        if people and rng.random() < repeat_share:
            person = rng.randrange(people)
        else:
            person, people = people, people + 1
        yield _referral(rng, n, person, force_codes, known_md5s, unplaced_share)


def _person_force(person: int, forces: int) -> int:
    # forces get people unevenly, as they do in life: low indexes (bigger forces) get more
    return (person * 2654435761 % 2**32) % forces if person % 3 else person % min(forces, 9)


def _referral(
    rng: random.Random,
    n: int,
    person: int,
    force_codes: Sequence[str],
    known_md5s: Sequence[str],
    unplaced_share: float,
) -> dict[str, Any]:
    force = _person_force(person, len(force_codes))
    at = OPERATION_START + timedelta(minutes=rng.randrange(60 * 24 * 90))
    files = [
        {
            "file_name": f"file-{n}-{k}.jpg",
            "hashes": [
                {
                    "type": "MD5",
                    "value": rng.choice(known_md5s)
                    if known_md5s and rng.random() < 0.4
                    else f"{rng.getrandbits(128):032x}",
                }
            ],
        }
        for k in range(rng.choice((1, 1, 2, 3)))
    ]
    postcode = f"{district_for(force)} {rng.randrange(1, 10)}{_letters(rng)}"
    addresses = [] if rng.random() < unplaced_share else [{"postcode": postcode}]
    return {
        "source": "NCMEC",
        "report_id": f"SYN-{n:08d}",
        "incident_type": rng.choice(INCIDENT_TYPES),
        "incident_at": at.isoformat(),
        "reported_person": {
            "emails": [f"person{person}@example.org"],
            "phones": [f"07700 900{person:03d}"] if person < 1000 else [],
            "screen_names": [f"user_{person}_{n % 7}"],
            "esp_user_ids": [],
            "device_ids": [],
            "addresses": addresses,
            "ip_events": [
                {
                    "ip": f"{rng.choice(DOC_NETWORKS)}.{rng.randrange(1, 255)}",
                    "port": rng.randrange(1024, 65536),
                    "at": (at - timedelta(minutes=rng.randrange(600))).isoformat(),
                    "event": "Upload",
                }
            ],
        },
        "files": files,
        "prior_report_ids": [],
    }


def _letters(rng: random.Random) -> str:
    # inward codes never use C, I, K, M, O or V
    alphabet = "ABDEFGHJLNPQRSTUWXYZ"
    return rng.choice(alphabet) + rng.choice(alphabet)

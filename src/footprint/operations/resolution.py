"""Subject resolution rules (pure): which referrals belong to one subject, and why.

Referrals are linked by a strong identifier they share — a normalised e-mail, an E.164 phone, an
account at one online service, a device id — or by the same IP address *and* port seen within a
time window (carrier-grade NAT puts many subscribers behind one address, so an IP alone never
links). Each link keeps its reason, so every merge can be explained, and undone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise

from footprint.operations.identifiers import STRONG_KINDS, IdentifierKind

DEFAULT_IP_WINDOW = timedelta(minutes=5)


class SubjectStatus(StrEnum):
    ACTIVE = "active"
    MERGED = "merged"  # absorbed into another subject (merged_into); a merge can be undone


@dataclass(frozen=True, slots=True)
class ReferralKeys:
    referral_id: int
    source: str
    identifiers: frozenset[tuple[str, str]]  # (kind, normalised value)
    ip_events: tuple[tuple[str, int | None, datetime], ...] = field(default=())
    _strong: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keys = set()  # worked out once: resolution asks for them several times per referral
        for kind, value in self.identifiers:
            if kind == IdentifierKind.ESP_ACCOUNT:
                keys.add(f"esp_account:{self.source.lower()}:{value}")
            elif kind in STRONG_KINDS:
                keys.add(f"{kind}:{value}")
        object.__setattr__(self, "_strong", frozenset(keys))

    def strong_keys(self) -> frozenset[str]:
        """Identifier keys that link; an ESP account only means something at its own service."""
        return self._strong


@dataclass(frozen=True, slots=True)
class Link:
    first: int  # referral ids, first < second
    second: int
    reason: str  # e.g. "email:a@example.org" or "ip:203.0.113.7:51234 within 300s"


def find_links(
    referrals: Iterable[ReferralKeys], ip_window: timedelta = DEFAULT_IP_WINDOW
) -> list[Link]:
    """Every link between referrals, deterministic and sorted (a spanning set per key)."""
    by_key: dict[str, list[int]] = defaultdict(list)
    by_socket: dict[tuple[str, int], list[tuple[datetime, int]]] = defaultdict(list)
    for referral in referrals:
        for key in referral.strong_keys():
            by_key[key].append(referral.referral_id)
        for ip, port, at in referral.ip_events:
            if port is not None:
                by_socket[(ip, port)].append((at, referral.referral_id))
    links: set[Link] = set()
    for key, ids in by_key.items():
        ordered = sorted(set(ids))
        links.update(Link(ordered[0], other, key) for other in ordered[1:])
    seconds = int(ip_window.total_seconds())
    for (ip, port), seen in by_socket.items():
        seen.sort()
        for (at_a, id_a), (at_b, id_b) in pairwise(seen):
            if id_a != id_b and at_b - at_a <= ip_window:
                low, high = sorted((id_a, id_b))
                links.add(Link(low, high, f"ip:{ip}:{port} within {seconds}s"))
    return sorted(links, key=lambda link: (link.first, link.second, link.reason))


def components(nodes: Iterable[int], edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components (union-find): each sorted, sorted by their first node. Nodes named
    only by an edge are included."""
    parent = {n: n for n in nodes}

    def root(node: int) -> int:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for first, second in edges:
        a, b = root(first), root(second)
        if a != b:
            parent[max(a, b)] = min(a, b)
    grouped: dict[int, list[int]] = defaultdict(list)
    for node in list(parent):
        grouped[root(node)].append(node)
    return sorted((sorted(c) for c in grouped.values()), key=lambda c: c[0])


def group(referral_ids: Iterable[int], links: Iterable[Link]) -> list[list[int]]:
    """Referrals grouped by their links: one list per subject."""
    return components(referral_ids, ((link.first, link.second) for link in links))

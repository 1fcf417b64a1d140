from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from footprint.operations.resolution import Link, ReferralKeys, find_links, group

T0 = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def keys(
    rid: int, *identifiers: tuple[str, str], source: str = "NCMEC", ip: object = ()
) -> ReferralKeys:
    return ReferralKeys(rid, source, frozenset(identifiers), tuple(ip))  # type: ignore[arg-type]


def test_strong_identifiers_link_and_weak_ones_do_not() -> None:
    referrals = [
        keys(1, ("email", "a@example.org"), ("screen_name", "blue")),
        keys(2, ("email", "a@example.org")),
        keys(3, ("phone", "+447700900123")),
        keys(4, ("phone", "+447700900123"), ("device_id", "dev-1")),
        keys(5, ("device_id", "dev-1")),
        keys(6, ("screen_name", "blue")),  # a screen name alone links nothing
        keys(7, ("profile_url", "https://example.org/u/1")),
    ]
    links = find_links(referrals)
    assert links == [
        Link(1, 2, "email:a@example.org"),
        Link(3, 4, "phone:+447700900123"),
        Link(4, 5, "device_id:dev-1"),
    ]
    assert group([r.referral_id for r in referrals], links) == [[1, 2], [3, 4, 5], [6], [7]]


def test_esp_accounts_only_link_within_one_service() -> None:
    referrals = [
        keys(1, ("esp_account", "12345"), source="ServiceA"),
        keys(2, ("esp_account", "12345"), source="ServiceB"),
        keys(3, ("esp_account", "12345"), source="servicea"),
    ]
    assert find_links(referrals) == [Link(1, 3, "esp_account:servicea:12345")]


def test_ip_links_need_the_port_and_the_time_window() -> None:
    referrals = [
        keys(1, ip=[("203.0.113.7", 51234, T0)]),
        keys(2, ip=[("203.0.113.7", 51234, T0 + timedelta(minutes=4))]),
        keys(3, ip=[("203.0.113.7", 40000, T0)]),  # same address, other port: other subscriber
        keys(4, ip=[("203.0.113.7", None, T0)]),  # no port: never links
        keys(5, ip=[("203.0.113.7", 51234, T0 + timedelta(hours=2))]),  # outside the window
    ]
    assert find_links(referrals) == [Link(1, 2, "ip:203.0.113.7:51234 within 300s")]
    wider = find_links(referrals, ip_window=timedelta(hours=3))
    assert {(link.first, link.second) for link in wider} == {(1, 2), (2, 5)}


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from(
                ["email:a", "email:b", "phone:1", "phone:2", "device_id:x", "screen_name:s"]
            ),
            max_size=3,
        ),
        min_size=1,
        max_size=25,
    )
)
def test_groups_are_exactly_the_connected_components(identifier_lists: list[list[str]]) -> None:
    referrals = [
        keys(i, *[(v.split(":")[0], v.split(":")[1]) for v in values])
        for i, values in enumerate(identifier_lists)
    ]
    groups = group(range(len(referrals)), find_links(referrals))
    assert sorted(r for g in groups for r in g) == list(range(len(referrals)))  # a partition
    strong = [r.strong_keys() for r in referrals]
    for g in groups:
        for other in groups:
            if g is not other:  # no strong key shared across two groups
                assert not any(strong[a] & strong[b] for a in g for b in other)
        if len(g) > 1:  # and everyone in a group is linked to someone else in it
            assert all(any(strong[a] & strong[b] for b in g if b != a) for a in g)

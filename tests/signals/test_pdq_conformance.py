"""PDQ conformance against ../shared/conformance/pdq (Meta's rule for implementations)."""

from __future__ import annotations

from typing import Any

import pytest
from PIL import Image

from footprint.signals import DecodePath, hamming_distance, hash_image
from footprint.signals.pdq import DIHEDRAL
from footprint.synthetic.images import benign_image, encode
from tests.conftest import pdq_image_bytes

MATCH_RADIUS = 31


def _hash(name: str, decode: DecodePath = DecodePath.EXACT, dihedral: bool = False):
    return hash_image(pdq_image_bytes(name), decode=decode, dihedral=dihedral)


def test_exact_path_is_bit_for_bit(pdq_expected: dict[str, dict[str, Any]]) -> None:
    assert len(pdq_expected) >= 30
    for name, expected in pdq_expected.items():
        signals = _hash(name)
        assert signals.pdq.hex == expected["pdq"], name
        assert signals.pdq.quality == expected["quality"], name


def test_fast_path_within_ten_bits_for_good_quality(
    pdq_expected: dict[str, dict[str, Any]],
) -> None:
    checked = 0
    for name, expected in pdq_expected.items():
        if expected["quality"] < 80:
            continue
        distance = hamming_distance(_hash(name, DecodePath.FAST).pdq.hex, expected["pdq"])
        assert distance <= 10, f"{name}: fast path is {distance} bits from the reference"
        checked += 1
    assert checked >= 28


@pytest.mark.parametrize(
    "name",
    [
        "images/labelme-subset/q0003.jpg",
        "images/labelme-subset/q0004.jpg",
        "images/misc-images/small.jpg",
    ],
)
def test_low_quality_hash_is_reported_but_never_matched(name: str) -> None:
    signals = _hash(name)
    assert signals.pdq.quality < 50
    assert len(signals.pdq.hex) == 64  # still reported
    assert not signals.pdq.matchable
    assert signals.query_hashes() == []


def test_bridge_mods_all_match_the_original(pdq_expected: dict[str, dict[str, Any]]) -> None:
    original = pdq_expected["images/bridge-mods/aaa-orig.jpg"]["pdq"]
    mods = [n for n in pdq_expected if n.startswith("images/bridge-mods/")]
    assert len(mods) == 12
    for name in mods:
        assert hamming_distance(_hash(name).pdq.hex, original) <= MATCH_RADIUS, name


def test_rotations_match_only_with_dihedral(pdq_expected: dict[str, dict[str, Any]]) -> None:
    original = pdq_expected["images/bridge-mods/aaa-orig.jpg"]["pdq"]
    turned = [n for n in pdq_expected if n.startswith("images/dih/") and "original" not in n]
    assert len(turned) == 7
    for name in turned:
        plain = _hash(name)
        assert hamming_distance(plain.pdq.hex, original) > MATCH_RADIUS, name
        with_dihedral = _hash(name, dihedral=True)
        assert len(with_dihedral.dihedral) == 8
        nearest = min(hamming_distance(h, original) for h in with_dihedral.query_hashes())
        assert nearest <= MATCH_RADIUS, name


def test_pen_and_coaster_matches_no_bridge(pdq_expected: dict[str, dict[str, Any]]) -> None:
    pen = _hash("images/pen-and-coaster.png", dihedral=True).query_hashes()
    bridges = [v["pdq"] for n, v in pdq_expected.items() if "bridge" in n]
    assert bridges
    for query in pen:
        assert all(hamming_distance(query, b) > MATCH_RADIUS for b in bridges)


@pytest.mark.parametrize("size", [(256, 256), (400, 300), (300, 401)])
@pytest.mark.parametrize("turn", [t for t in DIHEDRAL if t is not None])
def test_every_turn_of_square_and_oblong_images_matches_with_dihedral(
    size: tuple[int, int], turn: Image.Transpose
) -> None:
    """The known image is stored as it is; the evidence holds it turned or flipped."""
    known = benign_image(11, size)
    original = hash_image(encode(known, "PNG")).pdq.hex
    turned = hash_image(encode(known.transpose(turn), "PNG"), dihedral=True)
    assert min(hamming_distance(h, original) for h in turned.query_hashes()) <= 2

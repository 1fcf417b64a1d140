"""The fast decode path never loses a match the exact path makes: content that drifts under
reduction, and any image whose fast hash is near a known one, is hashed on the exact path, and
the result says which path made it."""

from __future__ import annotations

from footprint.signals import DecodePath, hamming_distance, hash_image
from footprint.signals.pdq import PdqPath
from footprint.synthetic.images import benign_image, drifting_image, encode

LARGE = (2048, 1536)  # large enough for the fast path to decode at half size


def test_content_that_drifts_is_hashed_on_the_exact_path() -> None:
    data = encode(drifting_image(1, LARGE), "JPEG", quality=100)  # upscaled noise
    exact = hash_image(data, decode=DecodePath.EXACT)
    fast = hash_image(data, decode=DecodePath.FAST)
    assert fast.path is PdqPath.EXACT_DRIFT
    assert fast.pdq == exact.pdq and exact.pdq.matchable


def test_a_fast_hash_near_a_known_one_is_checked_on_the_exact_path() -> None:
    data = encode(drifting_image(2, LARGE), "JPEG", quality=100)  # fine stripes: a few bits off
    exact = hash_image(data, decode=DecodePath.EXACT).pdq
    asked: list[str] = []

    def near(candidate: str) -> bool:
        asked.append(candidate)
        return hamming_distance(candidate, exact.hex) <= 31 + 32

    checked = hash_image(data, decode=DecodePath.FAST, near_known=near)
    assert checked.path is PdqPath.EXACT_NEAR and checked.pdq == exact
    assert asked and asked[0] != exact.hex  # the fast hash itself differed from the exact one
    unchecked = hash_image(data, decode=DecodePath.FAST, near_known=lambda _: False)
    assert unchecked.path is PdqPath.FAST and unchecked.pdq.hex == asked[0]


def test_ordinary_images_keep_the_fast_path() -> None:
    data = encode(benign_image(3, LARGE), "JPEG", quality=90)
    fast = hash_image(data, decode=DecodePath.FAST, near_known=lambda _: False)
    assert fast.path is PdqPath.FAST
    assert hamming_distance(fast.pdq.hex, hash_image(data).pdq.hex) <= 10
    small = encode(benign_image(3, (800, 600)), "JPEG", quality=90)
    assert hash_image(small, decode=DecodePath.FAST).path is PdqPath.EXACT  # nothing reduced

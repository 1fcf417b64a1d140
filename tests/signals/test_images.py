"""Image formats, Pillow modes, EXIF orientation and bad input."""

from __future__ import annotations

import io

import numpy as np
import pdqhash
import pytest
from PIL import Image, ImageOps

from footprint.signals import DecodePath, Orientation, SignalError, hamming_distance, hash_image
from footprint.signals.errors import ErrorCode
from footprint.signals.media import sniff_media_type
from footprint.signals.pdq import bits_to_hex, pdq_of_image
from footprint.synthetic.images import benign_image, encode


@pytest.fixture(scope="module")
def picture() -> Image.Image:
    return benign_image(7, (480, 360))


def reference_hash(image: Image.Image) -> str:
    bits, _quality = pdqhash.compute(np.asarray(image.convert("RGB")))
    return bits_to_hex(bits)


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("JPEG", "image/jpeg"),
        ("PNG", "image/png"),
        ("GIF", "image/gif"),
        ("BMP", "image/bmp"),
        ("TIFF", "image/tiff"),
        ("WEBP", "image/webp"),
        ("HEIF", "image/heic"),
    ],
)
def test_every_format_is_sniffed_and_hashed(
    picture: Image.Image, fmt: str, media_type: str
) -> None:
    data = encode(picture, fmt)
    assert sniff_media_type(data[:64]) == media_type
    signals = hash_image(data)
    assert signals.pdq.matchable
    # lossy formats move the hash a little; it stays well inside the match radius
    assert hamming_distance(signals.pdq.hex, reference_hash(picture)) <= 31


def test_media_type_comes_from_content_not_name(tmp_path, picture: Image.Image) -> None:
    disguised = tmp_path / "holiday.jpg"
    disguised.write_bytes(encode(picture, "PNG"))
    assert sniff_media_type(disguised.read_bytes()[:64]) == "image/png"
    assert sniff_media_type(b"just some text") == "application/octet-stream"


def test_gif_uses_the_first_frame(picture: Image.Image) -> None:
    other = benign_image(8, picture.size)
    buffer = io.BytesIO()
    picture.save(buffer, format="GIF", save_all=True, append_images=[other])
    first_only = encode(picture, "GIF")
    assert hash_image(buffer.getvalue()).pdq == hash_image(first_only).pdq


MODES = ["1", "L", "LA", "P", "PA", "RGBA", "CMYK", "YCbCr", "LAB", "HSV", "I", "F", "I;16"]


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_is_normalised_to_rgb(picture: Image.Image, mode: str) -> None:
    if mode == "PA":
        image = picture.convert("P").convert("PA")
    elif mode == "I;16":
        image = Image.fromarray(np.asarray(picture.convert("L")).astype(np.uint16))
    else:
        image = picture.convert(mode)
    assert image.mode == mode
    fmt = "TIFF" if mode in ("CMYK", "YCbCr", "LAB", "I", "F", "HSV") else "PNG"
    if mode in ("LAB", "HSV", "YCbCr", "PA"):
        # no common container stores these; hash the in-memory image through the same path
        got = pdq_of_image(image).hex
    else:
        got = hash_image(encode(image, fmt)).pdq.hex
    assert got == reference_hash(image.convert("RGB") if mode != "I;16" else image)
    # colour-faithful modes hash close to the original picture
    if mode in ("RGBA", "CMYK", "YCbCr", "HSV", "LAB", "L", "LA", "I", "F", "I;16"):
        assert hamming_distance(got, reference_hash(picture)) <= 16, mode


def test_cmyk_and_palette_would_drift_without_normalising(picture: Image.Image) -> None:
    """Why normalisation matters: raw CMYK and palette-index arrays hash far from the picture."""
    cmyk = picture.convert("CMYK")
    raw_cmyk_bits, _ = pdqhash.compute(np.ascontiguousarray(np.asarray(cmyk)[:, :, :3]))
    assert hamming_distance(bits_to_hex(raw_cmyk_bits), reference_hash(picture)) > 100
    assert hamming_distance(hash_image(encode(cmyk, "TIFF")).pdq.hex, reference_hash(picture)) <= 8
    palette = picture.convert("P", palette=Image.Palette.ADAPTIVE)
    indices = np.asarray(palette)
    raw_p_bits, _ = pdqhash.compute(np.stack([indices] * 3, axis=-1))
    assert hamming_distance(bits_to_hex(raw_p_bits), reference_hash(picture)) > 31
    assert (
        hamming_distance(hash_image(encode(palette, "PNG")).pdq.hex, reference_hash(picture)) <= 16
    )


def _jpeg_with_orientation(image: Image.Image, orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(image, "JPEG", quality=95, exif=exif.tobytes())


@pytest.mark.parametrize("orientation", [2, 3, 4, 5, 6, 7, 8])
def test_exif_orientation_policy(picture: Image.Image, orientation: int) -> None:
    data = _jpeg_with_orientation(picture, orientation)
    stored = hash_image(data)
    assert stored.displayed is None
    both = hash_image(data, orientation=Orientation.BOTH)
    assert both.pdq == stored.pdq  # stored pixels are still hashed first
    assert both.displayed is not None
    shown = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    assert both.displayed.hex == reference_hash(shown)
    assert both.query_hashes()[:2] == [stored.pdq.hex, both.displayed.hex]


def test_no_displayed_hash_without_rotation(picture: Image.Image) -> None:
    signals = hash_image(encode(picture, "JPEG"), orientation=Orientation.BOTH)
    assert signals.displayed is None


def test_fast_and_exact_agree_on_a_large_photo() -> None:
    data = encode(benign_image(3, (3000, 2000)), "JPEG", quality=90)
    exact = hash_image(data, decode=DecodePath.EXACT)
    fast = hash_image(data, decode=DecodePath.FAST)
    assert (exact.width, exact.height) == (fast.width, fast.height) == (3000, 2000)
    assert hamming_distance(exact.pdq.hex, fast.pdq.hex) <= 10


def _error(data: bytes, **kwargs: int) -> SignalError:
    with pytest.raises(SignalError) as caught:
        hash_image(data, **kwargs)  # type: ignore[arg-type]
    return caught.value


def test_bad_input_becomes_coded_errors(picture: Image.Image) -> None:
    jpeg = encode(picture, "JPEG")
    assert _error(b"").code is ErrorCode.EMPTY
    assert _error(jpeg[: len(jpeg) // 3]).code is ErrorCode.TRUNCATED
    assert _error(b"\xff\xd8\xff" + b"\x00" * 200).code is ErrorCode.CORRUPT
    png = encode(picture, "PNG")
    assert _error(png[:40]).code in (ErrorCode.TRUNCATED, ErrorCode.CORRUPT)


def test_decompression_bomb_is_refused_before_decoding() -> None:
    huge = encode(Image.new("L", (4000, 4000)), "PNG")  # small file, 16 megapixels
    error = _error(huge, pixel_limit=1_000_000)
    assert error.code is ErrorCode.DECOMPRESSION_BOMB
    assert "16,000,000" in error.message
    assert hash_image(huge, pixel_limit=20_000_000).pdq.quality == 0  # flat image, allowed


def test_fast_path_rule_on_varied_generated_images() -> None:
    """The rule that makes fast the default, on a slice of the benchmark's corpus
    (benchmarks/fast_path_agreement.py runs it on 1,000 images)."""
    from footprint.synthetic.images import varied_image

    checked = 0
    for seed in range(0, 240, 8):
        name, data = varied_image(seed)
        exact = hash_image(data, decode=DecodePath.EXACT).pdq
        if exact.quality < 80:
            continue
        fast = hash_image(data, decode=DecodePath.FAST).pdq
        assert hamming_distance(exact.hex, fast.hex) <= 10, name
        checked += 1
    assert checked >= 10

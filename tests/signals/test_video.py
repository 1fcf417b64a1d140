"""Video in the vPDQ manner: frame hashes once a second, the 80% match rule, Meta's hash files,
and a scan that matches re-encoded, resized and trimmed copies but not unrelated videos."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footprint.evidence import folder_file
from footprint.hashsets import ImportOptions, KnownHashStore, import_file
from footprint.hashsets.model import UnifiedCategory
from footprint.signals import SignalValueError
from footprint.signals import video as video_kind
from footprint.signals.video import (
    MATCH_PERCENT,
    VPDQ,
    VideoIndex,
    hash_video,
    matchable,
    parse_frames,
    value_of,
)
from footprint.triage.service import ScanRequest, scan
from footprint.triage.signals_job import SignalOptions, signals_for_file
from tests.hashsets.vics_samples import media, write_hashset
from tests.signals.video_fixtures import video


@pytest.fixture(scope="module")
def videos() -> dict[str, bytes]:
    return {
        "known": video(1),
        "reencoded": video(1, codec="mpeg4", container="avi"),
        "resized": video(1, scale=0.5, quality="32"),
        "trimmed": video(1, seconds=4, start=3),
        "unrelated": video(2),
    }


def frames_of(data: bytes) -> str:
    return value_of(hash_video(io.BytesIO(data)))


def test_one_frame_a_second_with_time_and_quality(videos: dict[str, bytes]) -> None:
    frames = parse_frames(frames_of(videos["known"]))
    assert [f.seconds for f in frames] == [float(s) for s in range(8)]
    assert all(f.quality >= 50 and len(f.pdq) == 64 for f in frames)
    assert len(matchable(frames)) == 8  # every second shows a different scene
    half_rate = hash_video(io.BytesIO(videos["known"]), seconds_per_hash=2.0)
    assert [f.seconds for f in half_rate] == [0.0, 2.0, 4.0, 6.0]


@pytest.mark.parametrize("copy", ["reencoded", "resized", "trimmed"])
def test_copies_match_and_unrelated_videos_do_not(videos: dict[str, bytes], copy: str) -> None:
    index = VideoIndex([7], [frames_of(videos["known"])])
    hits = index.query(frames_of(videos[copy]), 100 - MATCH_PERCENT)
    assert [row for row, _ in hits] == [7]
    assert index.query(frames_of(videos["unrelated"]), 100 - MATCH_PERCENT) == []


def test_the_share_decides_and_the_threshold_is_configurable(videos: dict[str, bytes]) -> None:
    """A video of which half is the known one matches at a 50% rule, not at the 80% default."""
    known = parse_frames(frames_of(videos["known"]))
    other = parse_frames(frames_of(videos["unrelated"]))
    mixed = value_of(known[:4] + other[4:])
    index = VideoIndex([1], [value_of(known)])
    assert index.shares(mixed)[1][0] == pytest.approx(0.5)
    assert index.query(mixed, 100 - MATCH_PERCENT) == []
    assert index.query(mixed, 50) == [(1, 50)]
    # vPDQ counts the query's frames: a clip of a longer known video is a full match
    assert index.query(value_of(known[2:5]), 20) == [(1, 0)]


def test_a_set_says_how_much_of_a_video_must_match(
    videos: dict[str, bytes], tmp_path: Path
) -> None:
    known = parse_frames(frames_of(videos["known"]))
    other = parse_frames(frames_of(videos["unrelated"]))
    (tmp_path / "known.txt").write_text(value_of(known))
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    mixed = value_of(known[:4] + other[4:])  # half of it is the known video
    store = KnownHashStore(tmp_path / "sets.sqlite")
    try:
        for name, percent in (("strict", None), ("lenient", 50)):
            options = ImportOptions(video_match_percent=percent)
            assert import_file(store, tmp_path / "known.txt", name, options).imported == 1
        matcher, _ = store.open_matcher(["strict", "lenient"])
        found = matcher.match({"vpdq": [mixed]}).matches
    finally:
        store.close()
    assert [(m.set, m.distance, dict(m.detail or {})) for m in found] == [
        ("lenient", 50, {"share_matched": 0.5, "first_match_seconds": 0.0})
    ]


def test_vics_video_records_carry_vpdq_in_alternative_hashes(
    videos: dict[str, bytes], tmp_path: Path
) -> None:
    """A VICS video record: the container's MD5 as for any media, its frame hashes as an
    alternative hash (here python-threatexchange's signal string, as HMA shares it)."""
    frames = parse_frames(frames_of(videos["known"]))
    signal = json.dumps([f"{f.pdq},{f.quality},{f.seconds}" for f in frames])
    record = media(1, AlternativeHashes=[{"HashName": "vPDQ", "HashValue": signal}])
    store = KnownHashStore(tmp_path / "sets.sqlite")
    try:
        path = write_hashset(tmp_path / "vics.json", [record])
        assert import_file(store, path, "vics", ImportOptions()).imported == 1
        matcher, _ = store.open_matcher(["vics"])
        found = matcher.match({"vpdq": [frames_of(videos["resized"])]}).matches
    finally:
        store.close()
    assert [(m.kind, m.record_id) for m in found] == [("vpdq", "1")]


def test_values_round_trip_and_bad_lines_are_named() -> None:
    line = f"0,100,{'a' * 64},0.000\n1,40,{'b' * 64},1.000"
    assert VPDQ.decode(VPDQ.encode(line)) == line
    assert VPDQ.validate(f'["{"c" * 64},90,2.5"]') == f"0,90,{'c' * 64},2.500"
    with pytest.raises(SignalValueError, match="line 2"):
        VPDQ.validate(f"0,100,{'a' * 64},0.000\n1,100,nothex,1.0")
    with pytest.raises(SignalValueError, match="line 1"):
        VPDQ.validate(f"0,101,{'a' * 64},0.000")  # quality is 0-100


@settings(max_examples=30, deadline=None)
@given(text=st.text(max_size=300))
def test_any_text_is_a_value_or_a_clear_error(text: str) -> None:
    try:
        value = VPDQ.validate(text)
    except SignalValueError as exc:
        assert str(exc).startswith("vPDQ")
    else:
        assert VPDQ.decode(VPDQ.encode(value)) == value


def test_scan_matches_copies_with_share_and_first_frame_time(
    videos: dict[str, bytes], tmp_path: Path
) -> None:
    hash_file = tmp_path / "known-video.txt"  # as Meta's vpdq tools write one
    hash_file.write_text(frames_of(videos["known"]) + "\n")
    store = KnownHashStore(tmp_path / "sets.sqlite")
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    for name in ("reencoded", "resized", "trimmed", "unrelated"):
        (evidence / f"{name}.bin").write_bytes(videos[name])
    try:
        report = import_file(
            store, hash_file, "videos", ImportOptions(list_category=UnifiedCategory.A)
        )
        assert (report.format, report.imported) == ("vpdq", 1)
        summary = scan(
            store, ScanRequest([evidence], ["videos"], tmp_path / "out", SignalOptions(), 2)
        )
    finally:
        store.close()
    findings = {
        Path(f["path"]).stem: f for f in map(json.loads, (tmp_path / "out/findings.jsonl").open())
    }
    for name in ("reencoded", "resized", "trimmed"):
        (match,) = findings[name]["matches"]
        assert (match["kind"], match["record_id"], match["category"]) == (
            "vpdq",
            "known-video",
            "A",
        )
        assert match["share_matched"] >= MATCH_PERCENT / 100
        assert match["first_match_seconds"] == 0.0
    assert findings["reencoded"]["media_type"] == "video/x-msvideo"
    assert findings["unrelated"]["matches"] == [] and "vpdq" in findings["unrelated"]["signals"]
    assert "md5" in findings["unrelated"]["signals"]  # the container's digests, as for any file
    assert summary["matched_files_by_kind"] == {"vpdq": 3}
    assert summary["unknown_videos"] == 1


@settings(max_examples=25, deadline=None)
@given(cut=st.integers(min_value=1, max_value=20_000), flip=st.integers(0, 19_999))
def test_damaged_videos_become_findings_never_a_crash(cut: int, flip: int) -> None:
    data = bytearray(VIDEO_SAMPLE[:cut])
    if flip < len(data):
        data[flip] ^= 0x3C
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "damaged.mp4"
        path.write_bytes(bytes(data))
        finding = signals_for_file(folder_file(str(path), len(data)), SignalOptions())
    assert "md5" in finding["signals"]  # the digests stand whatever the decoder made of it
    if "vpdq" in finding["signals"]:
        VPDQ.validate(finding["signals"]["vpdq"])


def test_frames_larger_than_any_camera_are_refused(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(video_kind, "MAX_FRAME_PIXELS", 100 * 100)  # our 320x240 is over it
    path = tmp_path / "huge.mp4"
    path.write_bytes(VIDEO_SAMPLE)
    finding = signals_for_file(folder_file(str(path), path.stat().st_size), SignalOptions())
    assert finding["error"]["code"] == "decompression_bomb" and "vpdq" not in finding["signals"]
    assert "md5" in finding["signals"]


VIDEO_SAMPLE = video(3, seconds=3)

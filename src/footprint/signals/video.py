"""Video as a signal kind, in the manner of Meta's vPDQ: a PDQ hash of one frame per second
(configurable), each with its quality and time; a video matches a known one when enough of its
frames (80% by default) are within PDQ's radius of one of the known video's frames.

Meta's `vpdq` package needs FFmpeg's development files to build, so frames are decoded with
PyAV (FFmpeg bundled in its wheel) and hashed with the same PDQ as still images; the value is
written as Meta's vpdq tools write a hash file, one `frame,quality,pdq,seconds` line per frame.
The matching rule is vPDQ's: frames below quality 50 and repeated hashes are left out on both
sides, then the share of the video's frames that match any frame of the known video decides.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

import av
import numpy as np

from footprint.signals.errors import ErrorCode, SignalError
from footprint.signals.kinds import (
    Computed,
    Content,
    IndexRows,
    SignalKind,
    SignalValueError,
    register_signal_kind,
)
from footprint.signals.media import is_video
from footprint.signals.pdq import PDQ_HEX_DIGITS
from footprint.signals.pdq_fast import pdq_bits
from footprint.signals.pdq_index import HASH_BYTES, PdqIndex

SECONDS_PER_HASH = 1.0  # vPDQ's default sampling: one frame a second
FRAME_RADIUS = 31  # PDQ distance within which two frames match (vPDQ's distance tolerance)
QUALITY_FLOOR = 50  # frames below this carry too little to match (vPDQ's quality tolerance)
MATCH_PERCENT = 80  # share of a video's frames that must match (vPDQ's query threshold)
FRAME_SIDE = 512  # frames are scaled to fit this before hashing (PDQ works on 64x64 anyway)
MAX_FRAMES = 24 * 3600  # a day of video at one frame a second: a bound for hostile files
MAX_FRAME_PIXELS = 8192 * 8192  # beyond 8K in both directions: no camera, a decoder bomb

VPDQ_LINE = re.compile(r"^(\d+),(\d{1,3}),([0-9a-fA-F]{64}),(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)$")
_FRAME = np.dtype([("frame", "<u4"), ("quality", "u1"), ("ms", "<u4"), ("hash", "u1", 32)])


@dataclass(frozen=True, slots=True)
class Frame:
    number: int
    quality: int
    pdq: str
    seconds: float

    def line(self) -> str:
        return f"{self.number},{self.quality},{self.pdq},{self.seconds:.3f}"


def parse_frames(value: str) -> list[Frame]:
    """Frames from Meta's hash-file lines (or python-threatexchange's signal string, a JSON
    list of `pdq,quality,seconds`); SignalValueError naming the line otherwise."""
    if value.lstrip().startswith("["):
        return _from_threatexchange(value)
    frames = []
    for number, line in enumerate(value.strip().splitlines(), 1):
        found = VPDQ_LINE.match(line.strip())
        if not found or int(found.group(2)) > 100:
            raise SignalValueError(
                f"vPDQ line {number}: expected frame,quality,pdq,seconds, got {line[:80]!r}"
            )
        frame, quality, pdq, seconds = found.groups()
        frames.append(Frame(int(frame), int(quality), pdq.lower(), float(seconds)))
    if not frames:
        raise SignalValueError("vPDQ: no frames")
    return frames


def _from_threatexchange(value: str) -> list[Frame]:
    try:
        items = json.loads(value)
    except json.JSONDecodeError as exc:
        raise SignalValueError(f"vPDQ: not a JSON list ({exc.msg})") from None
    lines = []
    for number, item in enumerate(items if isinstance(items, list) else [None]):
        parts = str(item).split(",") if isinstance(item, str) else []
        if len(parts) != 3:
            raise SignalValueError(f"vPDQ item {number + 1}: expected pdq,quality,seconds")
        lines.append(f"{number},{parts[1].strip()},{parts[0].strip()},{parts[2].strip()}")
    return parse_frames("\n".join(lines))


def value_of(frames: Sequence[Frame]) -> str:
    return "\n".join(f.line() for f in frames)


def matchable(frames: Sequence[Frame]) -> list[Frame]:
    """vPDQ's preparation: frames of enough quality, each distinct hash once (first kept)."""
    seen: set[str] = set()
    kept = []
    for frame in frames:
        if frame.quality >= QUALITY_FLOOR and frame.pdq not in seen:
            seen.add(frame.pdq)
            kept.append(frame)
    return kept


# --- hashing a video -------------------------------------------------------------------------


def sampled_frames(
    stream: BinaryIO, seconds_per_hash: float = SECONDS_PER_HASH
) -> Iterator[tuple[int, float, np.ndarray]]:
    """(frame number, seconds, RGB pixels) of the first frame at or after each sampling time.
    SignalError for a video whose frames are larger than any camera's (a decoder bomb)."""
    with av.open(stream, mode="r") as container:
        if not container.streams.video:
            return
        video = container.streams.video[0]
        if (video.width or 0) * (video.height or 0) > MAX_FRAME_PIXELS:
            raise SignalError(
                ErrorCode.DECOMPRESSION_BOMB,
                f"video frames of {video.width}x{video.height}: over {MAX_FRAME_PIXELS:,} pixels",
            )
        video.thread_type = "AUTO"
        base = video.time_base or Fraction(1, 1000)
        start = video.start_time or 0
        rate = float(video.average_rate or 25)  # for frames without a timestamp (raw streams)
        due = 0.0
        for number, frame in enumerate(container.decode(video)):
            pts = frame.pts
            seconds = float((pts - start) * base) if pts is not None else number / rate
            if seconds + 1e-6 < due:
                continue
            width, height = _fitted(frame.width, frame.height)
            yield number, seconds, frame.to_ndarray(format="rgb24", width=width, height=height)
            # the next multiple of the interval after this frame (a gap skips the ones it hid)
            due = (math.floor(seconds / seconds_per_hash + 1e-6) + 1) * seconds_per_hash


def _fitted(width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, FRAME_SIDE / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def hash_video(stream: BinaryIO, seconds_per_hash: float = SECONDS_PER_HASH) -> list[Frame]:
    frames = []
    for number, seconds, pixels in sampled_frames(stream, seconds_per_hash):
        bits, quality = pdq_bits(pixels)
        pdq = np.packbits(bits.astype(np.uint8)).tobytes().hex()
        frames.append(Frame(number, int(quality), pdq, round(seconds, 3)))
        if len(frames) >= MAX_FRAMES:
            break
    return frames


# --- the index of a set's known videos -------------------------------------------------------


class VideoIndex:
    """Every frame of every known video in one PDQ multi-index; a query video's frames are
    looked up one by one and the share matched is counted per known video (the way
    python-threatexchange's vPDQ index counts matches through FAISS)."""

    def __init__(self, ids: Sequence[int], values: Sequence[str]) -> None:
        owners: list[int] = []
        hashes: list[bytes] = []
        self.lengths: dict[int, int] = {}
        for video_id, value in zip(ids, values, strict=True):
            frames = matchable(parse_frames(value))
            self.lengths[video_id] = len(frames)
            owners.extend([video_id] * len(frames))
            hashes.extend(bytes.fromhex(f.pdq) for f in frames)
        self.owners = np.array(owners, dtype=np.int64)
        table = np.frombuffer(b"".join(hashes), dtype=np.uint8).reshape(-1, HASH_BYTES)
        self.frames = PdqIndex(table, np.arange(len(owners), dtype=np.int64))
        self._last: tuple[str, dict[int, tuple[float, float]]] | None = None

    def shares(self, value: str) -> dict[int, tuple[float, float]]:
        """Per known video any frame matched: (share of the query's frames matched, seconds
        into the query of the first matching frame). The last answer is kept: the matcher
        asks for a match's detail right after the query."""
        if self._last is not None and self._last[0] is value:
            return self._last[1]
        found = self._shares(value)
        self._last = (value, found)
        return found

    def _shares(self, value: str) -> dict[int, tuple[float, float]]:
        query = matchable(parse_frames(value))
        matched: dict[int, set[int]] = {}
        first: dict[int, float] = {}
        for position, frame in enumerate(query):
            for row, _ in self.frames.query(frame.pdq, FRAME_RADIUS):
                video = int(self.owners[row])
                matched.setdefault(video, set()).add(position)
                first[video] = min(first.get(video, frame.seconds), frame.seconds)
        return {v: (len(hit) / len(query), first[v]) for v, hit in matched.items()} if query else {}

    def query(self, value: str, threshold: int) -> list[tuple[int, int]]:
        """Known videos matched, at distance 100 - the percentage of the query's frames that
        match (so a set's threshold of 20 is vPDQ's 80% rule)."""
        hits = [(v, 100 - int(share * 100)) for v, (share, _) in self.shares(value).items()]
        return sorted(((v, d) for v, d in hits if d <= threshold), key=lambda h: (h[1], h[0]))

    def detail(self, value: str, row: int) -> dict[str, Any]:
        share, first = self.shares(value).get(row, (0.0, 0.0))
        return {"share_matched": round(share, 4), "first_match_seconds": first}


class VpdqKind(SignalKind):
    name: ClassVar[str] = "vpdq"
    label: ClassVar[str] = "vPDQ"
    exact: ClassVar[bool] = False
    default_threshold: ClassVar[int] = 100 - MATCH_PERCENT

    def validate(self, value: str) -> str:
        frames = parse_frames(value)
        if any(len(f.pdq) != PDQ_HEX_DIGITS for f in frames):
            raise SignalValueError("vPDQ: a frame's hash is not 64 hex digits")
        return value_of(frames)

    def compute(self, content: Content) -> Computed | None:
        if not is_video(content.media_type):
            return None
        if content.data is not None:
            stream: BinaryIO = io.BytesIO(content.data)
        elif content.source is not None:
            stream = content.source()
        else:
            return None
        with stream:
            frames = hash_video(stream, content.video_seconds)
        if not frames:
            return None
        usable = matchable(frames)
        detail = {"frames": len(frames), "matchable_frames": len(usable)}
        return Computed(value_of(frames), None if usable else (), detail)

    def distance(self, a: str, b: str) -> int:
        index = VideoIndex([0], [b])
        return 100 - int(index.shares(a).get(0, (0.0, 0.0))[0] * 100)

    def encode(self, value: str) -> bytes:
        frames = parse_frames(value)
        packed = np.zeros(len(frames), dtype=_FRAME)
        packed["frame"] = [f.number for f in frames]
        packed["quality"] = [f.quality for f in frames]
        packed["ms"] = [round(f.seconds * 1000) for f in frames]
        packed["hash"] = [np.frombuffer(bytes.fromhex(f.pdq), dtype=np.uint8) for f in frames]
        return packed.tobytes()

    def decode(self, stored: bytes) -> str:
        packed = np.frombuffer(stored, dtype=_FRAME)
        return value_of(
            [
                Frame(int(r["frame"]), int(r["quality"]), r["hash"].tobytes().hex(), r["ms"] / 1000)
                for r in packed
            ]
        )

    def open_index(self, rows: IndexRows, folder: Path, stem: str) -> VideoIndex:
        ids, values = rows()
        return VideoIndex(ids, [self.decode(v) for v in values])


VPDQ = register_signal_kind(VpdqKind())

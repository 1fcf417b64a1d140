"""MD5, SHA-1 and SHA-256 from one streamed read in constant memory.

A file of more than one chunk is digested on two threads beside the one reading it (MD5 on
one, SHA-1 and SHA-256 on the other): hashlib lets go of the GIL while it hashes a large
buffer, so they run on as many cores as there are, and the next chunk is read while they work.
Each digest still sees every byte in order; the results are hashlib's own
(tests/signals/test_digests.py)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from queue import Queue
from typing import Any, BinaryIO

CHUNK_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class FileDigests:
    md5: str
    sha1: str
    sha256: str
    size: int


class _Hashers:
    def __init__(self) -> None:
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.sha1 = hashlib.sha1(usedforsecurity=False)
        self.sha256 = hashlib.sha256()
        self.size = 0

    def update(self, chunk: bytes | memoryview) -> None:
        self.md5.update(chunk)
        self.sha1.update(chunk)
        self.sha256.update(chunk)
        self.size += len(chunk)

    def result(self) -> FileDigests:
        return FileDigests(
            self.md5.hexdigest(), self.sha1.hexdigest(), self.sha256.hexdigest(), self.size
        )


def digest_stream(stream: BinaryIO, chunk_bytes: int = CHUNK_BYTES) -> FileDigests:
    first = stream.read(chunk_bytes)
    second = stream.read(chunk_bytes) if first else b""  # a short read is not the end
    if not second:  # one chunk: threads would cost more than they save
        return digest_bytes(first)
    read_ahead = [first, second]
    del first, second  # held by the list alone, so that each is freed once hashed
    return _digest_in_parallel(read_ahead, stream, chunk_bytes)


def _digest_in_parallel(read_ahead: list[bytes], stream: BinaryIO, chunk_bytes: int) -> FileDigests:
    """MD5 (the slowest) on one thread, SHA-1 and SHA-256 on another, this one reading: each fed
    by a short queue, so none waits for another chunk by chunk (1.8x one thread doing all three,
    benchmarks/bench_digests.py)."""
    hashers = _Hashers()
    lanes = [_Lane((hashers.md5,)), _Lane((hashers.sha1, hashers.sha256))]
    try:
        for chunk in _chunks(read_ahead, stream, chunk_bytes):
            hashers.size += len(chunk)
            for lane in lanes:
                lane.feed(chunk)
    finally:  # every lane finished, also when a read failed: no thread is left behind
        failures = [lane.finish() for lane in lanes]
    for failure in failures:
        if failure is not None:
            raise failure
    return hashers.result()


def _chunks(read_ahead: list[bytes], stream: BinaryIO, chunk_bytes: int) -> Iterator[bytes]:
    while read_ahead:
        yield read_ahead.pop(0)  # freed once hashed: the list holds the only reference
    while chunk := stream.read(chunk_bytes):
        yield chunk


class _Lane:
    """A thread updating its digests with every chunk it is fed, in order."""

    DEPTH = 2  # chunks queued ahead of it: enough that it never waits, few in memory

    def __init__(self, digests: tuple[Any, ...]) -> None:
        self._digests = digests
        self._queue: Queue[bytes | None] = Queue(self.DEPTH)
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="digest", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (chunk := self._queue.get()) is not None:
            if self._failure is None:  # after a failure, drained so that feed never blocks
                try:
                    for digest in self._digests:
                        digest.update(chunk)
                except BaseException as exc:  # raised in the reading thread once all are joined
                    self._failure = exc

    def feed(self, chunk: bytes) -> None:
        self._queue.put(chunk)

    def finish(self) -> BaseException | None:
        """Stopped and joined; what made it fail, if anything (raised by the caller)."""
        self._queue.put(None)
        self._thread.join()
        return self._failure


def digest_bytes(data: bytes) -> FileDigests:
    hashers = _Hashers()
    hashers.update(data)
    return hashers.result()


def digest_file(path: Path) -> FileDigests:
    with path.open("rb") as stream:
        return digest_stream(stream)

"""MD5, SHA-1 and SHA-256 from one streamed read in constant memory."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

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
    hashers = _Hashers()
    while chunk := stream.read(chunk_bytes):
        hashers.update(chunk)
    return hashers.result()


def digest_bytes(data: bytes) -> FileDigests:
    hashers = _Hashers()
    hashers.update(data)
    return hashers.result()


def digest_file(path: Path) -> FileDigests:
    with path.open("rb") as stream:
        return digest_stream(stream)

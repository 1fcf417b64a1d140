"""Why a file could not be turned into signals. Each code is stable and documented."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    EMPTY = "empty"  # zero-byte file
    TRUNCATED = "truncated"  # image data ends early
    CORRUPT = "corrupt"  # image header or data cannot be decoded
    DECOMPRESSION_BOMB = "decompression_bomb"  # more pixels than the configured limit
    UNREADABLE = "unreadable"  # the operating system refused the read
    UNSUPPORTED = "unsupported"  # an image container we cannot decode


class SignalError(Exception):
    """A file that cannot be hashed; carries a stable code and a human message."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def as_dict(self) -> dict[str, str]:
        return {"code": str(self.code), "message": self.message}

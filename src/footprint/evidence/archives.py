"""Archives inside evidence: zip (and the formats built on it: docx, odt, apk ...), tar (plain,
gzip, bzip2, xz) and 7z, opened recursively through the walk's container door; a member is
named `evidence!/path/archive.zip!/inner/file.jpg` and hashed and matched like any file.

An archive is hostile input. Before anything inside is listed, the sizes it declares are
checked against limits (entries, total bytes, expansion over its own size), so an archive bomb
becomes a finding instead of filling memory or disk; a member is read through a stream that
never yields more than the size it declared. Encrypted archives and members are recorded as
such, never guessed at. RAR is recognised and recorded: no maintained Python library
decompresses it without running an outside program, which this tool never does.
"""

from __future__ import annotations

import bz2
import io
import lzma
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, BinaryIO, ClassVar

import py7zr
import py7zr.exceptions
import py7zr.io

from footprint.evidence.sources import (
    ContainerSource,
    EvidenceFile,
    Locator,
    Walked,
    WalkProblem,
    file_stamp,
    open_locator,
    register_evidence_source,
)

# Beyond these an archive is not opened: the problem says which limit and the archive itself
# is still hashed and matched as a file.
MAX_ENTRIES = 100_000  # members in one archive
MAX_TOTAL_BYTES = 20 * 1024**3  # what its members declare, together
MAX_RATIO = 100  # declared bytes over the archive's own size ...
RATIO_FLOOR = 64 * 1024 * 1024  # ... once they pass this (a small archive cannot hurt)
MAX_7Z_MEMBER = 256 * 1024 * 1024  # py7zr decompresses a member whole, into memory

# What a damaged archive's readers (or a member reference edited in a findings file) raise
# besides OSError (ContainerSource.open and _Bounded turn them into OSError).
_DAMAGED = (
    zipfile.BadZipFile,
    tarfile.TarError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
    ValueError,
    IndexError,
    KeyError,
    RuntimeError,
    NotImplementedError,
    py7zr.exceptions.ArchiveError,
)

ENCRYPTED = "encrypted"
ARCHIVE_LIMIT = "archive_limit"


@dataclass(frozen=True, slots=True)
class Member:
    """One regular file inside an archive, as its directory declares it."""

    name: str
    size: int
    ref: str  # how the archive's reader finds it again (its index)
    encrypted: bool = False


def _path(name: str) -> str:
    return "/" + name.replace("\\", "/").lstrip("/")


def _problem(item: EvidenceFile, name: str, code: str, message: str) -> WalkProblem:
    return WalkProblem(f"{item.path}!{_path(name)}" if name else item.path, code, message)


def _checked(item: EvidenceFile, members: list[Member]) -> WalkProblem | None:
    """Why the archive must not be opened, if it must not (checked on what it declares)."""
    total = sum(m.size for m in members)
    if len(members) > MAX_ENTRIES:
        return _problem(
            item, "", ARCHIVE_LIMIT, f"{len(members):,} entries (limit {MAX_ENTRIES:,})"
        )
    if total > MAX_TOTAL_BYTES:
        return _problem(
            item, "", ARCHIVE_LIMIT, f"declares {total:,} bytes (limit {MAX_TOTAL_BYTES:,})"
        )
    if _over_limits(total, item.size):
        return _problem(
            item,
            "",
            ARCHIVE_LIMIT,
            f"expands {total // max(item.size, 1):,} times its size (limit {MAX_RATIO}): "
            "an archive bomb",
        )
    return None


def _over_limits(declared: int, size: int) -> bool:
    return declared > MAX_TOTAL_BYTES or (
        declared > RATIO_FLOOR and declared > MAX_RATIO * max(size, 1)
    )


def _walk_members(item: EvidenceFile, source: str, members: list[Member]) -> Walked:
    stopped = _checked(item, members)
    if stopped is not None:
        yield stopped
        return
    seen: set[str] = set()
    for member in members:
        path = _path(member.name)
        if path in seen:  # a zip may hold one name twice: each copy is its own finding
            path = f"{path}#{member.ref}"
        seen.add(path)
        if member.encrypted:
            yield _problem(item, path, ENCRYPTED, "encrypted member: recorded, not read")
            continue
        locator = Locator(source, path, item.locator, member.ref)
        yield EvidenceFile(locator.display(), member.size, locator)


class _Bounded(io.RawIOBase):
    """A member's stream that stops at the size the archive declared for it, whatever the
    compressed data would expand to; seekable when the member's own stream is (an archive
    inside an archive is read by seeking, as a tar.gz in a zip is)."""

    def __init__(self, stream: BinaryIO, size: int) -> None:
        self._stream, self._size, self._at = stream, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return bool(self._stream.seekable())

    def tell(self) -> int:
        return self._at

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._at, io.SEEK_END: self._size}[whence]
        self._at = min(max(0, base + offset), self._size)
        self._stream.seek(self._at)
        return self._at

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), self._size - self._at)
        if wanted <= 0:
            return 0
        try:
            data = self._stream.read(wanted)
        except _DAMAGED as exc:  # bad CRC, truncated or corrupt compressed data
            raise OSError(f"damaged archive member: {exc}") from None
        buffer[: len(data)] = data
        self._at += len(data)
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()


def _bounded(stream: BinaryIO, size: int) -> BinaryIO:
    return io.BufferedReader(_Bounded(stream, size))


# --- zip ------------------------------------------------------------------------------------


def _zip(parent: Locator) -> zipfile.ZipFile:
    """The archive's directory, read once per process (a worker reads many members)."""
    return _cached_zip(parent, file_stamp(parent))


@lru_cache(maxsize=8)
def _cached_zip(parent: Locator, stamp: tuple[int, ...]) -> zipfile.ZipFile:
    return zipfile.ZipFile(open_locator(parent))


def _zip_members(archive: zipfile.ZipFile) -> Iterator[Member | tuple[str, str]]:
    for index, info in enumerate(archive.infolist()):
        mode = info.external_attr >> 16
        if info.is_dir():
            continue
        if stat.S_ISLNK(mode):
            yield info.filename, "symlink"
        elif stat.S_IFMT(mode) not in (0, stat.S_IFREG):  # many writers set no type: a file
            yield info.filename, "special"
        else:
            yield Member(info.filename, info.file_size, str(index), bool(info.flag_bits & 0x1))


class ZipSource(ContainerSource):
    name: ClassVar[str] = "zip"
    damaged: ClassVar[tuple[type[Exception], ...]] = _DAMAGED

    def recognises(self, item: EvidenceFile, head: bytes) -> bool:
        return head.startswith((b"PK\x03\x04", b"PK\x05\x06"))

    def walk_file(self, item: EvidenceFile) -> Walked:
        try:
            found = list(_zip_members(_zip(item.locator)))
        except (zipfile.BadZipFile, ValueError, EOFError) as exc:
            yield _problem(item, "", "corrupt", f"zip: {exc}")
            return
        members = [m for m in found if isinstance(m, Member)]
        for name, code in (m for m in found if isinstance(m, tuple)):
            yield _problem(item, name, code, "not a regular file: not read")
        yield from _walk_members(item, self.name, members)

    def open_member(self, container: Locator, locator: Locator) -> BinaryIO:
        archive = _zip(container)
        info = archive.infolist()[int(locator.ref)]
        return _bounded(archive.open(info), info.file_size)  # type: ignore[arg-type]


# --- tar (plain or compressed) --------------------------------------------------------------

_DECOMPRESSORS: dict[bytes, Callable[[], Any]] = {
    b"\x1f\x8b": lambda: zlib.decompressobj(31),
    b"BZh": bz2.BZ2Decompressor,
    b"\xfd7zXZ\x00": lzma.LZMADecompressor,
}


def _is_tar(head: bytes) -> bool:
    return head[257:262] == b"ustar"


def _tar(parent: Locator) -> tarfile.TarFile:
    return _cached_tar(parent, file_stamp(parent))


@lru_cache(maxsize=4)
def _cached_tar(parent: Locator, stamp: tuple[int, ...]) -> tarfile.TarFile:
    return tarfile.open(fileobj=open_locator(parent), mode="r:*")


class TarSource(ContainerSource):
    name: ClassVar[str] = "tar"
    damaged: ClassVar[tuple[type[Exception], ...]] = _DAMAGED

    def recognises(self, item: EvidenceFile, head: bytes) -> bool:
        if _is_tar(head):
            return True
        for magic, decompressor in _DECOMPRESSORS.items():
            if head.startswith(magic):
                try:
                    return _is_tar(decompressor().decompress(head))
                except (OSError, EOFError, lzma.LZMAError, zlib.error):
                    return False
        return False

    def walk_file(self, item: EvidenceFile) -> Walked:
        members: list[Member] = []
        declared = 0
        try:
            archive = _tar(item.locator)
            for index, info in enumerate(archive):  # read member by member: bounded
                if len(members) > MAX_ENTRIES or _over_limits(declared, item.size):
                    break  # listing a tar decompresses it: stop as soon as a limit is passed
                if info.isfile():
                    members.append(Member(info.name, info.size, str(index)))
                    declared += info.size
                elif info.issym() or info.islnk():
                    yield _problem(item, info.name, "symlink", "link: not followed")
        except (tarfile.TarError, OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
            yield _problem(item, "", "corrupt", f"tar: {exc} (what came before it is listed)")
        yield from _walk_members(item, self.name, members)

    def open_member(self, container: Locator, locator: Locator) -> BinaryIO:
        archive = _tar(container)
        info = archive.getmembers()[int(locator.ref)]
        stream = archive.extractfile(info)
        if stream is None:
            raise OSError(f"tar member {info.name}: not a regular file")
        return _bounded(stream, info.size)  # type: ignore[arg-type]


# --- 7z -------------------------------------------------------------------------------------


class SevenZipSource(ContainerSource):
    name: ClassVar[str] = "7z"

    def recognises(self, item: EvidenceFile, head: bytes) -> bool:
        return head.startswith(b"7z\xbc\xaf\x27\x1c")

    def walk_file(self, item: EvidenceFile) -> Walked:
        try:
            with open_locator(item.locator) as stream, py7zr.SevenZipFile(stream) as archive:
                encrypted = archive.needs_password()
                entries = archive.list()
        except py7zr.exceptions.PasswordRequired:
            yield _problem(item, "", ENCRYPTED, "7z with encrypted names: recorded, not read")
            return
        except (py7zr.exceptions.Bad7zFile, py7zr.exceptions.ArchiveError, OSError) as exc:
            yield _problem(item, "", "corrupt", f"7z: {exc}")
            return
        members = []
        for index, entry in enumerate(entries):
            if entry.is_directory:
                continue
            size = int(entry.uncompressed or 0)
            if size > MAX_7Z_MEMBER:
                yield _problem(item, entry.filename, ARCHIVE_LIMIT, "7z member too large to read")
                continue
            members.append(Member(entry.filename, size, str(index), encrypted))
        yield from _walk_members(item, self.name, members)

    damaged: ClassVar[tuple[type[Exception], ...]] = (
        *_DAMAGED,
        py7zr.exceptions.Bad7zFile,
        py7zr.exceptions.PasswordRequired,
    )

    def open_member(self, container: Locator, locator: Locator) -> BinaryIO:
        with open_locator(container) as stream, py7zr.SevenZipFile(stream) as archive:
            entry = archive.list()[int(locator.ref)]
            if int(entry.uncompressed or 0) > MAX_7Z_MEMBER:
                raise OSError(f"7z member {entry.filename}: too large to read")
            into = py7zr.io.BytesIOFactory(MAX_7Z_MEMBER)
            archive.extract(targets=[entry.filename], factory=into)
            data: Any = into.get(entry.filename)  # type: ignore[no-untyped-call]
        data.seek(0)
        return _bounded(data, int(entry.uncompressed or 0))


# --- RAR: recognised and recorded -----------------------------------------------------------


class RarSource(ContainerSource):
    name: ClassVar[str] = "rar"

    def recognises(self, item: EvidenceFile, head: bytes) -> bool:
        return head.startswith(b"Rar!\x1a\x07")

    def walk_file(self, item: EvidenceFile) -> Walked:
        yield _problem(
            item,
            "",
            "unsupported_archive",
            "RAR: no Python library reads it without an outside program; hashed as a file, "
            "open it with a forensic tool",
        )

    def open_member(self, container: Locator, locator: Locator) -> BinaryIO:
        raise OSError("RAR members are not read")


for _source in (ZipSource(), TarSource(), SevenZipSource(), RarSource()):
    register_evidence_source(_source)

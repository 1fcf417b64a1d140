"""Disk images as evidence: E01 (single or split), raw/dd (single or split), QCOW2, VHD/VHDX and
VMDK; MBR, GPT and the other volume systems and snapshots dfVFS knows; the file systems in them.

dfVFS opens the container and finds every file system in it (its volume scanner: every
partition, every volume, every shadow snapshot). The Sleuth Kit then walks each file system it
can read, because it also lists deleted names, which dfVFS leaves out; a file system only dfVFS
reads (APFS) is walked through dfVFS. Everything is opened read-only, in-process: no tool is run.

A file inside is named as forensic tools name it, `laptop.E01!/p2/Users/alice/x.jpg` (the
volume, then the path), and its locator's `ref` holds the volume and inode (and NTFS data
stream) that find it again, whatever its name.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, BinaryIO, ClassVar

import pyewf
import pytsk3
from dfvfs.helpers import volume_scanner
from dfvfs.lib import definitions as dfvfs_types
from dfvfs.lib import errors as dfvfs_errors
from dfvfs.path import factory as path_specs
from dfvfs.path.path_spec import PathSpec
from dfvfs.resolver import resolver
from dfvfs.vfs.file_entry import FileEntry
from dfvfs.vfs.file_system import FileSystem

from footprint.evidence.sources import (
    DELETED_NO_CONTENT,
    ContainerSource,
    EvidenceFile,
    Locator,
    Walked,
    WalkProblem,
    file_stamp,
    open_locator,
    register_evidence_source,
)

NAME = "disk-image"
RAW_MINIMUM = 64 * 1024  # below this a boot-sector signature is a boot sector, not a disk
CHUNK = 4 * 1024 * 1024
ISO_SIGNATURE_AT = 32769  # ISO 9660's "CD001" lies beyond the usual head (looked at only in
# files of whole 2,048-byte sectors, as every ISO image is; a raw disk is whole 512-byte sectors)

# Volume systems whose volumes are named in paths (/p1, /vss1, /apfs1 ...).
_VOLUME_TYPES = {
    dfvfs_types.TYPE_INDICATOR_APM,
    dfvfs_types.TYPE_INDICATOR_APFS_CONTAINER,
    dfvfs_types.TYPE_INDICATOR_CS,
    dfvfs_types.TYPE_INDICATOR_GPT,
    dfvfs_types.TYPE_INDICATOR_LVM,
    dfvfs_types.TYPE_INDICATOR_TSK_PARTITION,
    dfvfs_types.TYPE_INDICATOR_VSHADOW,
}
_CONTAINER_TYPES = {
    dfvfs_types.TYPE_INDICATOR_EWF: "EWF",
    dfvfs_types.TYPE_INDICATOR_QCOW: "QCOW",
    dfvfs_types.TYPE_INDICATOR_VHDI: "VHD",
    dfvfs_types.TYPE_INDICATOR_VMDK: "VMDK",
    dfvfs_types.TYPE_INDICATOR_RAW: "raw",
}


def _signature(head: bytes, size: int) -> str | None:
    """The container or file system the first bytes announce (cheap: most files are none)."""
    magic = head[:8]
    if magic.startswith(b"EVF\x09\x0d\x0a\xff\x00"):
        return "EWF" if head[9:11] == b"\x01\x00" else None  # later segments open with the first
    if magic.startswith(b"EVF2\r\n\x81\x00") or magic.startswith(b"QFI\xfb"):
        return "EWF2" if magic.startswith(b"EVF2") else "QCOW"
    if magic in (b"conectix", b"vhdxfile") or magic.startswith((b"KDMV", b"# Disk D")):
        return "virtual-disk"
    raw = (
        head[510:512] == b"\x55\xaa"  # MBR, or a FAT / NTFS / exFAT boot sector
        or head[512:520] == b"EFI PART"
        or head[1080:1082] == b"\x53\xef"  # ext2/3/4 superblock magic
        or head[1024:1026] in (b"H+", b"HX")
        or head[32:36] == b"NXSB"  # APFS container
    )
    return "raw" if raw and size >= RAW_MINIMUM and size % 512 == 0 else None


@dataclass(frozen=True, slots=True)
class Volume:
    """One file system found in an image: its volume's name in paths, and how to read it."""

    name: str  # "" when the file system fills the image; /p1, /vss2, /apfs1 ... otherwise
    spec: PathSpec  # dfVFS's path to the file system
    tsk: pytsk3.FS_Info | None  # the Sleuth Kit's view, when it reads this file system
    dfvfs: FileSystem | None  # dfVFS's, otherwise


@dataclass(slots=True)
class OpenedImage:
    format: str
    volumes: dict[str, Volume] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)  # volume -> why it was not opened


def _source_spec(locator: Locator) -> PathSpec:
    """dfVFS's path to the image file itself: an OS file, or a file inside another image."""
    if locator.source == "folder":
        return path_specs.Factory.NewPathSpec(dfvfs_types.TYPE_INDICATOR_OS, location=locator.path)
    if locator.source == NAME and locator.parent is not None:
        volume, inode, _ = _parse_ref(locator.ref)
        image = open_image(locator.parent)
        base = image.volumes[volume].spec
        if image.volumes[volume].tsk is not None:
            return path_specs.Factory.NewPathSpec(
                dfvfs_types.TYPE_INDICATOR_TSK, inode=int(inode), parent=base.parent
            )
        return path_specs.Factory.NewPathSpec(
            base.type_indicator, location=inode, parent=base.parent
        )
    raise ValueError(f"a disk image inside {locator.source} evidence is hashed, not opened")


class _Scanner(volume_scanner.VolumeScanner):  # type: ignore[misc]
    """dfVFS's volume scanner, started from a path spec (its public call takes an OS path)."""

    def base_specs(self, source: PathSpec) -> tuple[str, list[PathSpec]]:
        options = volume_scanner.VolumeScannerOptions()
        options.partitions = ["all"]
        options.volumes = ["all"]
        options.snapshots = ["all"]
        context = self._ScanSourcePathSpec(source)
        return _container_format(context), list(self._GetBasePathSpecs(context, options))


def _container_format(context: Any) -> str:
    node = context.GetRootScanNode()
    while node is not None:
        if node.type_indicator in _CONTAINER_TYPES:
            return _CONTAINER_TYPES[node.type_indicator]
        node = node.sub_nodes[0] if node.sub_nodes else None
    return "raw"


def open_image(locator: Locator) -> OpenedImage:
    """Every file system of the image, opened once per process (workers reopen by locator);
    an image file replaced since (same name, other content) is opened afresh."""
    return _open_image(locator, file_stamp(locator))


@lru_cache(maxsize=8)
def _open_image(locator: Locator, stamp: tuple[int, ...]) -> OpenedImage:
    try:
        image_format, specs = _Scanner().base_specs(_source_spec(locator))
    except (dfvfs_errors.Error, RuntimeError) as exc:
        raise OSError(f"dfVFS cannot open the image: {exc}") from exc
    image = OpenedImage(image_format)
    for spec in specs:
        parent = spec.parent
        name = ""
        if parent is not None and parent.type_indicator in _VOLUME_TYPES:
            name = getattr(parent, "location", "") or ""
        try:
            image.volumes[name] = _open_volume(name, spec)
        except (dfvfs_errors.Error, OSError, RuntimeError) as exc:  # one bad volume of many
            image.unreadable[name or "/"] = str(exc)
    return image


def _open_volume(name: str, spec: PathSpec) -> Volume:
    tsk_spec = path_specs.Factory.NewPathSpec(
        dfvfs_types.TYPE_INDICATOR_TSK, location="/", parent=spec.parent
    )
    try:
        return Volume(name, spec, resolver.Resolver.OpenFileSystem(tsk_spec).GetFsInfo(), None)
    except (dfvfs_errors.Error, OSError, RuntimeError):  # not one the Sleuth Kit reads
        return Volume(name, spec, None, resolver.Resolver.OpenFileSystem(spec))


Stream = tuple[int, int]  # a Sleuth Kit attribute (type, id): a named stream, a resource fork


def _parse_ref(ref: str) -> tuple[str, str, Stream | None]:
    """(volume, inode or dfVFS location, the attribute when not the main content)."""
    volume, _, rest = ref.partition("|")
    where, _, stream = rest.partition("|")
    if not stream:
        return volume, where, None
    kind, _, number = stream.partition(":")
    return volume, where, (int(kind), int(number))


class DiskImageSource(ContainerSource):
    name: ClassVar[str] = NAME
    head_bytes: ClassVar[int] = 4096

    def recognises(self, item: EvidenceFile, head: bytes) -> bool:
        found = _signature(head, item.size)
        if found is None and item.size > ISO_SIGNATURE_AT + 5 and item.size % 2048 == 0:
            with open_locator(item.locator) as stream:
                stream.seek(ISO_SIGNATURE_AT)
                found = "raw" if stream.read(5) == b"CD001" else None
        if found is None:
            return False
        return bool(open_image(item.locator).volumes) or found != "raw"

    def walk_file(self, item: EvidenceFile) -> Walked:
        image = open_image(item.locator)
        for name, reason in image.unreadable.items():
            yield WalkProblem(f"{item.path}!{name}", "unreadable", f"volume not opened: {reason}")
        if not image.volumes and not image.unreadable:
            yield WalkProblem(item.path, "no_file_system", "no file system this tool reads")
        for volume in image.volumes.values():
            if volume.tsk is not None:
                yield from _walk_tsk(item, volume, volume.tsk)
            elif volume.dfvfs is not None:
                yield from _walk_dfvfs(item, volume, volume.dfvfs)

    damaged: ClassVar[tuple[type[Exception], ...]] = (ValueError, dfvfs_errors.Error, RuntimeError)

    def open_member(self, container: Locator, locator: Locator) -> BinaryIO:
        volume_name, where, stream = _parse_ref(locator.ref)
        try:
            volume = open_image(container).volumes[volume_name]
        except KeyError:
            raise OSError(f"no volume {volume_name!r} in {container.display()}") from None
        if volume.tsk is not None:
            return io.BufferedReader(_TskStream(volume.tsk, int(where), stream), CHUNK)
        spec = path_specs.Factory.NewPathSpec(
            volume.spec.type_indicator, location=where, parent=volume.spec.parent
        )
        entry = resolver.Resolver.OpenFileEntry(spec)
        if entry is None:
            raise FileNotFoundError(locator.display())
        return entry.GetFileObject()  # type: ignore[no-any-return]

    def verify(self, item: EvidenceFile) -> dict[str, Any] | None:
        """The image's format, and for E01 the acquisition hashes it stores, recomputed over
        the media (what ewfverify does)."""
        image = open_image(item.locator)
        found: dict[str, Any] = {"format": image.format, "volumes": sorted(image.volumes)}
        if image.format == "EWF" and item.locator.source == "folder":
            found["acquisition"] = verify_ewf(item.locator.path)
        return found


def verify_ewf(path: str) -> dict[str, Any]:
    """The MD5 and SHA-1 an E01 stores from acquisition, and whether the media still has them."""
    handle = pyewf.handle()
    handle.open(pyewf.glob(path))
    try:
        stored = {
            kind: value
            for kind, value in (
                ("md5", handle.get_hash_value("MD5")),
                ("sha1", handle.get_hash_value("SHA1")),
            )
            if value
        }
        if not stored:
            return {"stored": {}, "verified": None, "message": "the image stores no hash"}
        digests = {kind: hashlib.new(kind) for kind in stored}
        while chunk := handle.read(CHUNK):
            for digest in digests.values():
                digest.update(chunk)
        computed = {kind: digest.hexdigest() for kind, digest in digests.items()}
        verified = all(computed[k] == v.lower() for k, v in stored.items())
        return {"stored": stored, "computed": computed, "verified": verified}
    finally:
        handle.close()


class _TskStream(io.RawIOBase):
    """A file's bytes through the Sleuth Kit, read-only and seekable."""

    def __init__(self, fs: pytsk3.FS_Info, inode: int, stream: Stream | None) -> None:
        self._file = fs.open_meta(inode=inode)
        self._stream = stream
        self._size = _stream_size(self._file, stream)
        self._at = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._at

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._at, io.SEEK_END: self._size}[whence]
        self._at = max(0, base + offset)
        return self._at

    def readall(self) -> bytes:
        """The rest in large reads (io's default reads 8 KiB at a time: slow through TSK)."""
        parts = []
        while chunk := self.read(CHUNK):
            parts.append(chunk)
        return b"".join(parts)

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), self._size - self._at)
        if wanted <= 0:
            return 0
        if self._stream is None:
            data = self._file.read_random(self._at, wanted)
        else:
            data = self._file.read_random(self._at, wanted, *self._stream)
        if not data:
            raise OSError(f"inode {self._file.info.meta.addr}: no data at offset {self._at}")
        buffer[: len(data)] = data
        self._at += len(data)
        return len(data)


def _stream_size(file: pytsk3.File, stream: Stream | None) -> int:
    if stream is None:
        return int(file.info.meta.size)
    for attribute in file:
        if (int(attribute.info.type), int(attribute.info.id)) == stream:
            return int(attribute.info.size)
    raise OSError(f"no data stream {stream} on inode {file.info.meta.addr}")


# --- walking a file system through the Sleuth Kit ------------------------------------------


_NTFS_TYPES = (pytsk3.TSK_FS_TYPE_NTFS, pytsk3.TSK_FS_TYPE_NTFS_DETECT)
_HFS_TYPES = (pytsk3.TSK_FS_TYPE_HFS, pytsk3.TSK_FS_TYPE_HFS_DETECT)
_EXFAT_TYPES = (pytsk3.TSK_FS_TYPE_EXFAT,)


def _walk_tsk(item: EvidenceFile, volume: Volume, fs: pytsk3.FS_Info) -> Walked:
    ntfs = fs.info.ftype in _NTFS_TYPES
    streams = ntfs or fs.info.ftype in _HFS_TYPES  # where files have more than one data stream
    stack: list[tuple[int, str, bool]] = [(fs.info.root_inum, "", False)]
    seen = {fs.info.root_inum}
    while stack:
        inode, folder, deleted_folder = stack.pop()
        try:
            entries = sorted(_entries(fs, inode), key=lambda e: e[0])
        except OSError as exc:
            where = f"{item.path}!{volume.name}{folder or '/'}"
            yield WalkProblem(where, "unreadable", f"cannot list folder: {exc}")
            continue
        subfolders = []
        for name, entry in entries:
            path = f"{volume.name}{folder}/{name}"
            system = _system_file(fs.info.ftype, folder, name, entry.info.meta)
            found = _tsk_entry(item, volume, entry, path, deleted_folder, system, streams)
            if isinstance(found, tuple):
                child, deleted = found
                if child not in seen:
                    seen.add(child)
                    subfolders.append((child, f"{folder}/{name}", deleted))
            elif found is not None:
                yield from found
        stack.extend(reversed(subfolders))


def _system_file(ftype: int, folder: str, name: str, meta: Any) -> bool:
    """A file system's own file, as the Sleuth Kit lists it beside the user's: NTFS's $MFT ...
    ($BadClus:$Bad alone is the volume's size), HFS+'s $CatalogFile ..., exFAT's allocation
    bitmap, up-case table and volume label. A user's file named `$x` elsewhere is kept."""
    if ftype in _NTFS_TYPES:
        return name.startswith("$") and (not folder or folder == "/$Extend")
    if ftype in _HFS_TYPES:  # catalog node ids below 16 are reserved for the file system
        return not folder and name.startswith("$") and meta is not None and meta.addr < 16
    if ftype in _EXFAT_TYPES:
        return not folder and (name.startswith("$") or name.endswith("(Volume Label Entry)"))
    return False


def _entries(fs: pytsk3.FS_Info, inode: int) -> Iterator[tuple[str, Any]]:
    try:
        directory = fs.open_dir(inode=inode)
    except OSError:
        raise
    except Exception as exc:  # pytsk3 raises plain errors for damaged directories
        raise OSError(str(exc)) from exc
    for entry in directory:
        raw = getattr(entry.info.name, "name", None)
        if raw in (None, b".", b".."):
            continue
        yield raw.decode("utf-8", "replace"), entry


def _tsk_entry(
    item: EvidenceFile,
    volume: Volume,
    entry: Any,
    path: str,
    in_deleted: bool,
    system: bool,
    streams: bool,
) -> tuple[int, bool] | list[EvidenceFile | WalkProblem] | None:
    """A folder to enter (inode, deleted), the files (and problems) an entry makes, or None.
    `system`: the file system's own file: not the user's, and never worth reading."""
    name, meta = entry.info.name, entry.info.meta
    deleted = in_deleted or bool(int(name.flags) & pytsk3.TSK_FS_NAME_FLAG_UNALLOC)
    kind = meta.type if meta is not None else name.type
    where = f"{item.path}!{path}"
    if kind in (pytsk3.TSK_FS_META_TYPE_VIRT, pytsk3.TSK_FS_NAME_TYPE_VIRT):
        return None  # the Sleuth Kit's own additions ($OrphanFiles): not the file system's
    if kind in (pytsk3.TSK_FS_META_TYPE_DIR, pytsk3.TSK_FS_NAME_TYPE_DIR):
        return (int(meta.addr), deleted) if meta is not None else None
    if kind in (pytsk3.TSK_FS_META_TYPE_LNK, pytsk3.TSK_FS_NAME_TYPE_LNK):
        return [WalkProblem(where, "symlink", "symbolic link not followed")]
    if kind not in (pytsk3.TSK_FS_META_TYPE_REG, pytsk3.TSK_FS_NAME_TYPE_REG):
        return None
    if system:
        return None
    if meta is None or (deleted and not meta.addr):
        return [WalkProblem(where, DELETED_NO_CONTENT, "deleted: the name remains, not the data")]
    flags: tuple[str, ...] = ("deleted",) if deleted else ()
    if deleted and int(meta.flags) & pytsk3.TSK_FS_META_FLAG_ALLOC:
        flags += ("inode-reused",)  # the data may now be another file's
    ref = f"{volume.name}|{int(meta.addr)}"
    files: list[EvidenceFile | WalkProblem] = [_file(item, path, int(meta.size), ref, flags)]
    if streams:
        files.extend(_data_streams(item, entry, path, ref, flags))
    return files


def _data_streams(
    item: EvidenceFile, entry: Any, path: str, ref: str, flags: tuple[str, ...]
) -> Iterator[EvidenceFile]:
    """Data a file holds beside its main content, where material is hidden: NTFS named
    streams (`file.txt:hidden.jpg`) and HFS+ resource forks (`file/..namedfork/rsrc`)."""
    try:
        attributes = [a.info for a in entry]
    except Exception:  # attributes that cannot be read: the main content stands
        return
    for info in attributes:
        if info.type == pytsk3.TSK_FS_ATTR_TYPE_NTFS_DATA and info.name:
            where = f"{path}:{info.name.decode('utf-8', 'replace')}"
        elif info.type == pytsk3.TSK_FS_ATTR_TYPE_HFS_RSRC and info.size:
            where = f"{path}/..namedfork/rsrc"
        else:
            continue
        stream = f"{ref}|{int(info.type)}:{int(info.id)}"
        yield _file(item, where, int(info.size), stream, flags)


def _file(item: EvidenceFile, path: str, size: int, ref: str, flags: tuple[str, ...]) -> Any:
    locator = Locator(NAME, path, item.locator, ref)
    return EvidenceFile(locator.display(), size, locator, flags)


# --- walking a file system only dfVFS reads (APFS) ------------------------------------------


def _walk_dfvfs(item: EvidenceFile, volume: Volume, fs: FileSystem) -> Walked:
    root = fs.GetRootFileEntry()
    if root is None:
        return
    stack: list[FileEntry] = [root]
    while stack:
        folder = stack.pop()
        subfolders = []
        for entry in sorted(folder.sub_file_entries, key=lambda e: e.name):
            location = entry.path_spec.location
            path = f"{volume.name}{location}"
            if entry.IsDirectory():
                subfolders.append(entry)
            elif entry.IsLink():
                yield WalkProblem(f"{item.path}!{path}", "symlink", "symbolic link not followed")
            elif entry.IsFile():
                yield _file(item, path, int(entry.size or 0), f"{volume.name}|{location}", ())
        stack.extend(reversed(subfolders))


register_evidence_source(DiskImageSource())

"""Disk images built in the test, with the tools real disks are made with (e2fsprogs,
dosfstools + mtools, ntfs-3g, exfatprogs, fdisk, qemu-utils): the product reads them through
dfVFS and the Sleuth Kit and never runs a tool; only these fixtures do.

.ci/run installs the tools; on a machine without them the tests that need them are skipped,
except under CI, where a missing tool fails the run (a green CI must not hide a missing step).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

MIB = 1024 * 1024
SECTOR = 512


def need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing and os.environ.get("CI"):
        pytest.fail(f"CI must install {', '.join(missing)} (see .ci/run)")
    if missing:
        pytest.skip(f"needs {', '.join(missing)} to build disk images")


def _run(*command: str | Path) -> None:
    subprocess.run([str(c) for c in command], check=True, capture_output=True)


def ext4_image(path: Path, files: dict[str, bytes], size_mb: int = 16) -> Path:
    """An ext4 file system holding `files` (paths relative to its root), made without mounting."""
    need("mkfs.ext4")
    tree = path.with_suffix(".tree")
    for name, data in files.items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_bytes(data)
    with path.open("wb") as stream:
        stream.truncate(size_mb * MIB)
    _run("mkfs.ext4", "-q", "-F", "-E", "root_owner=0:0", "-d", tree, path)
    shutil.rmtree(tree)
    return path


def fat_image(
    path: Path, files: dict[str, bytes], deleted: tuple[str, ...] = (), size_mb: int = 8
) -> Path:
    """A FAT file system holding `files`; those named in `deleted` are then deleted (FAT keeps
    a deleted file's entry and clusters until they are reused)."""
    need("mkfs.fat", "mcopy", "mdel", "mmd")
    with path.open("wb") as stream:
        stream.truncate(size_mb * MIB)
    _run("mkfs.fat", "-F", "16" if size_mb >= 16 else "12", path)
    source = path.with_suffix(".file")
    folders: set[str] = set()
    for name, data in files.items():
        parent = name.rpartition("/")[0]
        if parent and parent not in folders:
            _run("mmd", "-i", path, f"::/{parent}")
            folders.add(parent)
        source.write_bytes(data)
        _run("mcopy", "-i", path, source, f"::/{name}")
    source.unlink()
    for name in deleted:
        _run("mdel", "-i", path, f"::/{name}")
    return path


def ntfs_image(
    path: Path, files: dict[str, bytes], streams: dict[str, bytes] | None = None, size_mb: int = 16
) -> Path:
    """An NTFS file system holding `files` (in its root) and named data streams
    (`name:stream` -> bytes) on them."""
    need("mkntfs", "ntfscp")
    with path.open("wb") as stream:
        stream.truncate(size_mb * MIB)
    _run("mkntfs", "-q", "-F", "-f", path)
    source = path.with_suffix(".file")
    for name, data in files.items():
        source.write_bytes(data)
        _run("ntfscp", "-q", path, source, name)
    for target, data in (streams or {}).items():
        name, stream_name = target.split(":")
        source.write_bytes(data)
        _run("ntfscp", "-q", "-N", stream_name, path, source, name)
    source.unlink()
    return path


def exfat_image(path: Path, size_mb: int = 8) -> Path:
    need("mkfs.exfat")
    with path.open("wb") as stream:
        stream.truncate(size_mb * MIB)
    _run("mkfs.exfat", "-L", "EVIDENCE", path)
    return path


def partitioned(path: Path, table: str, volumes: list[Path]) -> Path:
    """A disk with a `gpt` or `dos` (MBR) partition table and one partition per volume image,
    each copied into place."""
    need("sfdisk")
    start = 1 * MIB
    layout, offsets = [], []
    for volume in volumes:
        size = volume.stat().st_size
        offsets.append(start)
        layout.append(f"start={start // SECTOR}, size={size // SECTOR}")
        start += size + MIB
    with path.open("wb") as stream:
        stream.truncate(start + MIB)
    script = f"label: {table}\n" + "\n".join(layout) + "\n"
    subprocess.run(
        ["sfdisk", "-q", str(path)], input=script.encode(), check=True, capture_output=True
    )
    with path.open("r+b") as disk:
        for offset, volume in zip(offsets, volumes, strict=True):
            disk.seek(offset)
            with volume.open("rb") as data:
                shutil.copyfileobj(data, disk, MIB)
    return path


def converted(raw: Path, fmt: str, options: str = "") -> Path:
    """The raw disk as a virtual disk (qcow2, vpc = VHD, vhdx, vmdk), as a hypervisor or an
    imaging tool would write it."""
    need("qemu-img")
    suffix = options.split("=")[-1] if options else fmt
    out = raw.with_name(f"{raw.stem}-{suffix}.{fmt}")
    command = ["qemu-img", "convert", "-O", fmt] + (["-o", options] if options else [])
    _run(*command, raw, out)
    return out


def split(path: Path, parts: int) -> list[Path]:
    """A raw image cut into `parts` segments named .001, .002 ... as dd users split them (each
    a whole number of MiB, as `split -b` is given)."""
    data = path.read_bytes()
    size = -(-len(data) // parts // MIB) * MIB
    names = []
    for number in range(parts):
        name = path.with_name(f"{path.stem}.{number + 1:03d}")
        name.write_bytes(data[number * size : (number + 1) * size])
        names.append(name)
    return names

"""Walk folders of evidence read-only: no symlink is followed, no loop is entered twice, and a
folder that cannot be listed becomes a problem to report, not a crash."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    path: str
    size: int


@dataclass(frozen=True, slots=True)
class WalkProblem:
    path: str
    code: str  # unreadable | not_found | symlink | special
    message: str


def walk_evidence(roots: Sequence[Path]) -> Iterator[EvidenceFile | WalkProblem]:
    """Every regular file under the roots, in a stable (sorted) order."""
    seen_dirs: set[tuple[int, int]] = set()
    for root in roots:
        try:
            info = root.lstat()
        except OSError as exc:
            yield WalkProblem(str(root), "not_found", f"cannot open evidence: {exc.strerror}")
            continue
        if stat.S_ISREG(info.st_mode):
            yield EvidenceFile(str(root), info.st_size)
        elif stat.S_ISDIR(info.st_mode):
            yield from _walk_dir(str(root), seen_dirs)
        else:
            yield WalkProblem(str(root), "special", "not a regular file or folder")


def _walk_dir(top: str, seen_dirs: set[tuple[int, int]]) -> Iterator[EvidenceFile | WalkProblem]:
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            info = os.stat(folder, follow_symlinks=False)
            if (info.st_dev, info.st_ino) in seen_dirs:
                continue  # a bind mount or hard-linked folder already walked
            seen_dirs.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            yield WalkProblem(folder, "unreadable", f"cannot list folder: {exc.strerror}")
            continue
        subfolders = []
        for entry in entries:
            try:
                if entry.is_symlink():
                    yield WalkProblem(entry.path, "symlink", "symbolic link not followed")
                elif entry.is_dir(follow_symlinks=False):
                    subfolders.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    yield EvidenceFile(entry.path, entry.stat(follow_symlinks=False).st_size)
                else:
                    yield WalkProblem(entry.path, "special", "device, socket or pipe: not read")
            except OSError as exc:
                yield WalkProblem(entry.path, "unreadable", f"cannot stat: {exc.strerror}")
        stack.extend(reversed(subfolders))

"""Folders (and single files) as an evidence source: walked read-only, no symlink followed, no
loop entered twice; a folder that cannot be listed becomes a problem to report, not a crash."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO, ClassVar

from footprint.evidence.sources import (
    EvidenceFile,
    EvidenceSource,
    Locator,
    Walked,
    WalkProblem,
    register_evidence_source,
)


def folder_file(path: str, size: int) -> EvidenceFile:
    return EvidenceFile(path, size, Locator(FolderSource.name, path))


class FolderSource(EvidenceSource):
    name: ClassVar[str] = "folder"

    def claims(self, root: Path) -> bool:
        return root.is_dir()

    def open(self, locator: Locator) -> BinaryIO:
        return open(locator.path, "rb")

    def walk(self, root: Path) -> Walked:
        """Every regular file under the root, in a stable (sorted) order."""
        try:
            info = root.lstat()
        except OSError as exc:
            yield WalkProblem(str(root), "not_found", f"cannot open evidence: {exc.strerror}")
            return
        if stat.S_ISREG(info.st_mode):
            yield folder_file(str(root), info.st_size)
        elif stat.S_ISDIR(info.st_mode):
            yield from _walk_dir(str(root), set())
        else:
            yield WalkProblem(str(root), "special", "not a regular file or folder")


def _walk_dir(top: str, seen_dirs: set[tuple[int, int]]) -> Walked:
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
                    yield folder_file(entry.path, entry.stat(follow_symlinks=False).st_size)
                else:
                    yield WalkProblem(entry.path, "special", "device, socket or pipe: not read")
            except OSError as exc:
                yield WalkProblem(entry.path, "unreadable", f"cannot stat: {exc.strerror}")
        stack.extend(reversed(subfolders))


register_evidence_source(FolderSource())

"""Child processes that cannot outlive their parent or take the server down with them.

`die_with_parent` asks Linux to kill a worker when the process that started it dies, so a
`kill -9` of a scan leaves no worker behind. `run_contained` runs one piece of untrusted work
(an uploaded file's import) in a fresh child with its address space limited: whatever the file
does to the parser, the child dies, not the server, and the caller gets a WorkerFailed saying how.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import signal
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
# the address space of a contained import by default (setting import_memory_mb)
IMPORT_MEMORY_MB = 4096


class WorkerFailed(RuntimeError):
    """The contained work failed: the message says how (its error, out of memory, a crash)."""


def die_with_parent() -> None:
    """Have the kernel send SIGKILL to this process when its parent dies (Linux; elsewhere,
    nothing). For a worker's initializer: call it first thing in the child."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:  # the parent died before the request took effect
        os._exit(1)


def run_contained(
    target: Callable[..., dict[str, Any]],
    args: tuple[Any, ...],
    progress: Callable[[int], None],
    memory_bytes: int,
) -> dict[str, Any]:
    """`target(*args, progress=...)` in a spawned child limited to `memory_bytes` of address
    space; its progress reaches `progress` here, and its outcome (a dict) is returned. The
    target must be importable by name (a module-level function) and its args picklable."""
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: safe beside threads
    ours, theirs = context.Pipe(duplex=False)
    child = context.Process(target=_contained, args=(theirs, target, args, memory_bytes))
    child.start()
    theirs.close()
    outcome: dict[str, Any] | None = None
    failure: str | None = None
    with ours:
        while True:
            try:
                kind, value = ours.recv()
            except EOFError:  # the child is gone
                break
            if kind == "progress":
                progress(value)
            elif kind == "done":
                outcome = value
            else:
                failure = value
    child.join()
    if failure is not None:
        raise WorkerFailed(failure)
    if outcome is None:
        raise WorkerFailed(_how_it_died(child.exitcode))
    return outcome


def _how_it_died(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name
        return f"the import process was killed by {name} (a crash, or over its memory)"
    return f"the import process ended (exit {exitcode}) without an answer"


def _contained(
    conn: Connection,
    target: Callable[..., dict[str, Any]],
    args: tuple[Any, ...],
    memory_bytes: int,
) -> None:
    die_with_parent()
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        outcome = target(*args, progress=lambda done: conn.send(("progress", done)))
    except MemoryError:
        conn.send(("error", f"ran out of memory (the limit is {memory_bytes // 2**20:,} MiB)"))
    except Exception as exc:  # any failure ends the work, with its message
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    else:
        conn.send(("done", outcome))
    finally:
        conn.close()

"""Where a large hash-set import's time goes: the import alone, split between its two processes.

    .venv/bin/python benchmarks/import_timing.py [--records 10000000] [--dir FOLDER] [--label L]

Writes bench_store's synthetic VICS 2.0 set once (kept in --dir, reused by the next run, so that
two trees can be timed on the same file one after the other), imports it into a fresh store and
prints the import's wall time, the importing process's CPU time (its SQLite sorter threads
included), how long it waited for the reading process's batches, and that process's CPU time.
Side by side with another tree:

    git worktree add ../old_tree <commit>
    PYTHONPATH=../old_tree/src .venv/bin/python benchmarks/import_timing.py --label before
    .venv/bin/python benchmarks/import_timing.py --label now
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _common import report
from bench_store import write_set
from footprint.hashsets import ImportOptions, KnownHashStore, service


def _timed(batches: Iterator[Any], waited: list[float]) -> Iterator[Any]:
    """The batches as they come, adding up the time spent waiting for each."""
    while True:
        started = time.perf_counter()
        try:
            batch = next(batches)
        except StopIteration:
            return
        finally:
            waited[0] += time.perf_counter() - started
        yield batch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "fp-import")
    parser.add_argument("--label", default="this tree")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    source = args.dir / f"set-{args.records}.json"
    if not source.exists():
        write_set(source, args.records, 0.2)

    waited = [0.0]
    reading = getattr(service, "read_batches")  # noqa: B009 (mypy: not re-exported)
    setattr(service, "read_batches", lambda *a, **k: _timed(reading(*a, **k), waited))  # noqa: B010
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        store = KnownHashStore(Path(tmp) / "store.sqlite")
        started, cpu, children = time.perf_counter(), time.process_time(), os.times()
        imported = service.import_file(store, source, "big", ImportOptions()).imported
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        after = os.times()
        store.close()
    assert imported == args.records, imported
    reader = after.children_user + after.children_system
    reader -= children.children_user + children.children_system
    figures = {
        "label": args.label,
        "records": args.records,
        "import_seconds": round(wall, 1),
        "writer_cpu_seconds": round(cpu, 1),
        "writer_waited_seconds": round(waited[0], 1),
        "reader_cpu_seconds": round(reader, 1),
    }
    report(f"import-timing-{args.records}", figures)


if __name__ == "__main__":
    main()

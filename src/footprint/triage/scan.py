"""The triage scan: evidence -> signals -> matches -> findings, parallel and resumable.

Findings are appended to ``findings.jsonl`` one complete line at a time and flushed, so a scan
killed at any point (even ``kill -9``) leaves at most one torn last line; a rerun with the same
output folder truncates that line, skips every path already written and carries on.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, fields
from multiprocessing import get_context
from pathlib import Path
from typing import IO, Any

from footprint.errors import Invalid
from footprint.evidence import EvidenceFile, WalkProblem, walk_evidence
from footprint.evidence.sources import DELETED_NO_CONTENT
from footprint.matching import Matcher
from footprint.plugins import load_plugins
from footprint.processes import die_with_parent
from footprint.triage.outputs import FINDINGS, MANIFEST, empty_finding
from footprint.triage.signals_job import SignalOptions, signals_for_file


class ScanError(Invalid):
    """A scan that cannot start: the message says what to change."""


@dataclass(frozen=True, slots=True)
class ScanPlan:
    roots: list[str]
    sets: list[str]
    set_versions: dict[str, int]
    decode: str
    orientation: str
    dihedral: bool
    video_seconds: float = 1.0

    def same_job(self, other: dict[str, Any]) -> bool:
        """Whether a manifest describes this job (a field added since it was written counts
        as its default: a scan started before an upgrade resumes after it)."""
        mine = asdict(self)
        defaults = {f.name: f.default for f in fields(self)}
        return all(mine[k] == other.get(k, defaults[k]) for k in mine)


Progress = Callable[[int, int], None]  # (files done, bytes done)


def load_done(findings_path: Path) -> set[str]:
    """Paths already written; a torn last line from a killed run is cut off first."""
    done: set[str] = set()
    if not findings_path.exists():
        return done
    good_bytes = 0
    with findings_path.open("rb") as stream:
        for line in stream:
            if not line.endswith(b"\n"):
                break
            try:
                done.add(json.loads(line)["path"])
            except (json.JSONDecodeError, KeyError, UnicodeDecodeError):
                break
            good_bytes += len(line)
    if good_bytes != findings_path.stat().st_size:
        with findings_path.open("r+b") as stream:
            stream.truncate(good_bytes)
    return done


def prepare_output(out_dir: Path, plan: ScanPlan) -> tuple[set[str], float]:
    """Create or reopen the output folder; refuse to mix two different jobs in one folder."""
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / MANIFEST
    elapsed_before = 0.0
    if manifest_path.exists():
        previous = json.loads(manifest_path.read_text())
        if not plan.same_job(previous.get("plan", {})):
            raise ScanError(
                f"{out_dir} holds a different scan (other evidence, sets, set versions, decode "
                "path, orientation, dihedral option or video sampling); choose a new --out "
                "folder to start afresh"
            )
        elapsed_before = float(previous.get("elapsed_seconds", 0.0))
    done = load_done(out_dir / FINDINGS)
    write_manifest(out_dir, plan, elapsed_before, complete=False)
    return done, elapsed_before


def write_manifest(out_dir: Path, plan: ScanPlan, elapsed: float, complete: bool) -> None:
    manifest = {"plan": asdict(plan), "elapsed_seconds": elapsed, "complete": complete}
    tmp = out_dir / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2))
    tmp.replace(out_dir / MANIFEST)


def plan_work(
    roots: list[Path], done: set[str]
) -> tuple[list[EvidenceFile], list[dict[str, Any]], list[WalkProblem]]:
    """Files still to do, findings for unreadable places, and symlinks that were not followed."""
    todo: list[EvidenceFile] = []
    problems: list[dict[str, Any]] = []
    links: list[WalkProblem] = []
    for item in walk_evidence(roots):
        if isinstance(item, WalkProblem):
            if item.code == "symlink":
                links.append(item)
            elif item.code == DELETED_NO_CONTENT and item.path not in done:
                finding = empty_finding(None, item.path, 0)
                finding["flags"] = ["deleted", "no-content"]  # a name is evidence too
                problems.append(finding)
            elif item.path not in done:
                finding = empty_finding(None, item.path, 0)
                finding["error"] = {"code": item.code, "message": item.message}
                problems.append(finding)
        elif item.path not in done:
            todo.append(item)
    return todo, problems, links


def _signals_inline(files: list[EvidenceFile], options: SignalOptions) -> Iterator[dict[str, Any]]:
    for item in files:
        yield signals_for_file(item, options)


SignalJob = Callable[[EvidenceFile, SignalOptions], dict[str, Any]]


def _worker_started(plugins: tuple[str, ...] = ()) -> None:
    """A worker dies with its scan (a `kill -9` of it leaves none behind) and leaves Ctrl-C to
    the scan, which stops them in order: a worker killed by the terminal's SIGINT would look
    like a crash and send the scan retrying files instead of stopping."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    load_plugins(plugins)  # a spawned worker knows only what it imports


def _new_pool(workers: int, plugins: tuple[str, ...] = ()) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=_worker_started,
        initargs=(plugins,),
    )


def _signals_parallel(
    files: list[EvidenceFile],
    options: SignalOptions,
    workers: int,
    job: SignalJob = signals_for_file,
) -> Iterator[dict[str, Any]]:
    """Results as they finish, with a bounded number in flight (memory stays flat).

    A file that kills its worker (a decoder crash on hostile input) must not stop the scan, nor
    stop every resumed run at the same place: when the pool breaks, the files in flight are
    retried one at a time in a fresh process, and the one that crashes again is recorded as an
    error finding."""
    window = workers * 4
    pending: dict[Future[dict[str, Any]], EvidenceFile] = {}
    queue = iter(files)
    pool = _new_pool(workers, options.plugins)
    try:
        while True:
            for item in queue:
                pending[pool.submit(job, item, options)] = item
                if len(pending) >= window:
                    break
            if not pending:
                return
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            if any(isinstance(f.exception(), BrokenProcessPool) for f in finished):
                yield from _isolate_crash(list(pending.values()), options, job)
                pending.clear()
                pool.shutdown(cancel_futures=True)
                pool = _new_pool(workers, options.plugins)
                continue
            for future in finished:
                del pending[future]
                yield future.result()
    finally:
        pool.shutdown(cancel_futures=True)


def _isolate_crash(
    items: list[EvidenceFile], options: SignalOptions, job: SignalJob
) -> Iterator[dict[str, Any]]:
    for item in items:
        with _new_pool(1, options.plugins) as alone:
            try:
                yield alone.submit(job, item, options).result()
            except BrokenProcessPool:
                finding = empty_finding(item, item.path, item.size)
                finding["error"] = {
                    "code": "crashed",
                    "message": "the decoder crashed the worker process on this file",
                }
                yield finding


def _write(stream: IO[str], finding: dict[str, Any]) -> None:
    stream.write(json.dumps(finding, separators=(",", ":")) + "\n")
    stream.flush()


def match_finding(finding: dict[str, Any], matcher: Matcher) -> dict[str, Any]:
    queries = finding.pop("_query", {})
    if not any(queries.values()):
        return finding
    result = matcher.match(queries)
    finding["matches"] = [m.as_dict() for m in result.matches]
    if result.suppressed:
        finding["suppressed_matches"] = [m.as_dict() for m in result.suppressed]
    return finding


# How a scan computes the signals of its files (the local engines below; Ray's elsewhere):
# findings without matches, in any order; the scan matches and writes them.
Engine = Callable[[list[EvidenceFile], SignalOptions, int], Iterable[dict[str, Any]]]


def local_engine(
    files: list[EvidenceFile], options: SignalOptions, workers: int
) -> Iterable[dict[str, Any]]:
    """This machine: in this process for one worker, else a pool of worker processes."""
    if workers <= 1:
        return _signals_inline(files, options)
    return _signals_parallel(files, options, workers)


def run_scan(
    roots: list[Path],
    out_dir: Path,
    matcher: Matcher,
    plan: ScanPlan,
    options: SignalOptions,
    workers: int,
    progress: Callable[[int, int, int], Progress] | None = None,
    engine: Engine = local_engine,
) -> tuple[float, int]:
    """Scan what is not done yet; returns the total elapsed seconds over every run of the job
    and the number of symbolic links that were not followed."""
    done, elapsed_before = prepare_output(out_dir, plan)
    started = time.monotonic()
    todo, problems, links = plan_work(roots, done)
    advance = progress(len(todo), sum(f.size for f in todo), len(done)) if progress else None
    results = engine(todo, options, workers)
    with (out_dir / FINDINGS).open("a", encoding="utf-8") as stream:
        for finding in problems:
            _write(stream, finding)
        try:
            for finding in results:
                _write(stream, match_finding(finding, matcher))
                if advance:
                    advance(1, finding["size"] or 0)
        finally:
            stream.flush()
            os.fsync(stream.fileno())
            elapsed = elapsed_before + time.monotonic() - started
            write_manifest(out_dir, plan, elapsed, complete=False)
    write_manifest(out_dir, plan, elapsed, complete=True)
    return elapsed, len(links)

"""One call that the CLI (and later the web app) use to run a triage scan end to end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from footprint.hashsets.store import KnownHashStore
from footprint.triage.outputs import FINDINGS
from footprint.triage.report import build_summary, write_reports
from footprint.triage.scan import Engine, Progress, ScanError, ScanPlan, local_engine, run_scan
from footprint.triage.signals_job import KnownPdq, SignalOptions


@dataclass(frozen=True, slots=True)
class ScanRequest:
    roots: list[Path]
    set_names: list[str]
    out_dir: Path
    options: SignalOptions
    workers: int
    engine: str = "local"  # local | ray
    address: str | None = None  # the Ray cluster's; None: a local Ray of `workers` CPUs


ENGINES = ("local", "ray")


def engine_for(request: ScanRequest) -> Engine:
    if request.engine == "local":
        return local_engine
    if request.engine == "ray":
        from footprint.triage.ray_engine import signals_on_ray  # Ray is optional

        return lambda files, options, workers: signals_on_ray(
            files, options, request.address, workers
        )
    raise ScanError(f"engine {request.engine!r}: choose one of {', '.join(ENGINES)}")


def scan(
    store: KnownHashStore,
    request: ScanRequest,
    progress: Callable[[int, int, int], Progress] | None = None,
) -> dict[str, Any]:
    matcher, infos = store.open_matcher(request.set_names)
    known = tuple(
        KnownPdq(tuple((name, str(path)) for name, path in store.pdq_tables(i)), i.pdq_radius)
        for i in infos
    )
    options = replace(request.options, known_pdq=known)
    plan = ScanPlan(
        roots=[str(r) for r in request.roots],
        sets=[i.name for i in infos],
        set_versions={i.name: i.version for i in infos},
        decode=str(request.options.decode),
        orientation=str(request.options.orientation),
        dihedral=request.options.dihedral,
        video_seconds=request.options.video_seconds,
    )
    elapsed, links = run_scan(
        request.roots,
        request.out_dir,
        matcher,
        plan,
        options,
        request.workers,
        progress,
        engine_for(request),
    )
    sets = [
        {
            "name": i.name,
            "kind": str(i.kind),
            "version": i.version,
            "records": i.records,
            "pdq_radius": i.pdq_radius,
        }
        for i in infos
    ]
    summary = build_summary(request.out_dir / FINDINGS, sets, elapsed, links)
    write_reports(request.out_dir, summary, request.out_dir / FINDINGS)
    return summary

"""The scan beyond one machine: the same per-file work as the local engine, on a Ray cluster.

The driver (the machine running `footprint scan`) lists the evidence and matches; batches of
files go to Ray tasks, each computing the signals of its files exactly as a local worker does
(`signals_for_file`). A Ray worker process lives on between tasks, so it opens each set's PDQ
index (a memory map) once, not once per batch. Workers open the evidence by its locator: the
evidence and the hash store's folder must be at the same path on every node (shared storage,
read-only). Findings are written by the driver as they come back, so a scan resumes the same
way whichever engine ran it.

Ray is an optional dependency (`pip install footprint[cluster]`): imported only when asked for.
Its usage statistics are switched off before it starts (this runtime sends nothing anywhere),
and the local cluster it starts when no address is given has no dashboard.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from footprint.evidence import EvidenceFile
from footprint.plugins import load_plugins
from footprint.triage.outputs import empty_finding
from footprint.triage.scan import ScanError
from footprint.triage.signals_job import SignalOptions, signals_for_file

BATCH_FILES = 32  # files per task: enough to amortise Ray's per-task cost, small enough to spread
BATCH_BYTES = 256 * 1024 * 1024  # ... and a batch of large files closes early


class RayUnavailable(ScanError):
    """--engine ray without Ray installed, or a cluster that cannot be reached."""


def _ray() -> Any:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no telemetry, ever
    try:
        import ray
    except ImportError:
        raise RayUnavailable(
            "--engine ray needs Ray: pip install 'footprint[cluster]' on every node"
        ) from None
    return ray


def connect(address: str | None, workers: int) -> Any:
    """Join the cluster at `address` (or the one this process already joined); with neither,
    start a local one with `workers` CPUs."""
    ray = _ray()
    if ray.is_initialized():
        return ray
    try:
        if address:
            ray.init(address=address, log_to_driver=False, configure_logging=False)
        else:  # "local": a cluster of its own, even if `ray start` left one on this machine
            ray.init(
                address="local",
                num_cpus=workers,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise RayUnavailable(f"cannot join the Ray cluster at {address}: {exc}{_hint()}") from None
    return ray


def _hint() -> str:
    """Ray sends its token to an address named explicitly only in token mode: the usual reason a
    driver is refused by a cluster `ray start` began with token authentication."""
    if os.environ.get("RAY_AUTH_MODE", "").lower() == "token":
        return ""
    return (
        ". If the cluster uses token authentication (Ray's default), set RAY_AUTH_MODE=token "
        "with the cluster's token in RAY_AUTH_TOKEN or ~/.ray/auth_token"
    )


def batches(files: list[EvidenceFile]) -> Iterator[list[EvidenceFile]]:
    batch: list[EvidenceFile] = []
    size = 0
    for item in files:
        batch.append(item)
        size += item.size
        if len(batch) >= BATCH_FILES or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def signals_of_batch(files: list[EvidenceFile], options: SignalOptions) -> list[dict[str, Any]]:
    """What one task does: the local worker's job, file by file."""
    load_plugins(options.plugins)  # a Ray worker knows only what it imports
    return [signals_for_file(item, options) for item in files]


def crashed(item: EvidenceFile) -> dict[str, Any]:
    finding = empty_finding(item, item.path, item.size)
    finding["error"] = {"code": "crashed", "message": "the decoder crashed the worker process"}
    return finding


def signals_on_ray(
    files: list[EvidenceFile], options: SignalOptions, address: str | None, workers: int
) -> Iterator[dict[str, Any]]:
    """Findings (without matches) as batches finish, with a bounded number in flight. A batch
    whose worker died is retried file by file, and a file that kills its worker again is
    recorded as crashed (as the local engine does)."""
    ray = connect(address, workers)
    task = ray.remote(num_cpus=1, max_retries=0)(signals_of_batch)
    window = max(2, workers * 2)
    pending: dict[Any, list[EvidenceFile]] = {}
    queue = batches(files)
    while True:
        for batch in queue:
            pending[task.remote(batch, options)] = batch
            if len(pending) >= window:
                break
        if not pending:
            return
        done, _ = ray.wait(list(pending), num_returns=1)
        for ref in done:
            batch = pending.pop(ref)
            try:
                yield from ray.get(ref)
            except (ray.exceptions.WorkerCrashedError, ray.exceptions.RayTaskError):
                yield from _one_by_one(ray, task, batch, options)


def _one_by_one(
    ray: Any, task: Any, batch: list[EvidenceFile], options: SignalOptions
) -> Iterator[dict[str, Any]]:
    for item in batch:
        try:
            yield from ray.get(task.remote([item], options))
        except (ray.exceptions.WorkerCrashedError, ray.exceptions.RayTaskError):
            yield crashed(item)

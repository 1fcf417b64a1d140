"""The web application under load on loopback: a store with many cases, `footprint serve` in its
own process, and concurrent clients requesting the dashboards and the main API calls.

    .venv/bin/python benchmarks/bench_web.py [--cases 100000] [--clients 20] [--requests 4000]
        [--seconds 300] [--server-workers 2] [--think-ms 0] [--mix standard|casework]
        [--database URL --reset]

Bounded in count (--requests) and in time (--seconds), whichever comes first. With --think-ms 0
every client sends its next request as soon as the last is answered (a closed loop: the server
is saturated and latency measures its capacity); with --think-ms N each client pauses a random
0.5 N to 1.5 N between requests, as a person reading a page does. Without
--database an SQLite file in a temporary folder is used. Prints p50/p95/p99 per call and writes
benchmarks/results/web-<dialect>.json. Target: p95 < 200 ms.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import select, text

from _common import fresh_database, report
from footprint.geo.forces import COORDINATOR_CODE
from footprint.security.actor import Actor
from footprint.security.credentials import issue_token
from footprint.security.roles import Role
from footprint.security.users import add_user
from footprint.store.models import Case, Organisation
from footprint.synthetic.case_load import fill_cases

OPERATION = "Operation Load"
MET = "E23000001"
TARGET_P95_MS = 200
SERVE = (sys.executable, "-m", "footprint", "serve")
_OPERATION_PATH = f"/api/v1/operations/{OPERATION}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(connection: http.client.HTTPConnection, path: str, token: str | None = None) -> int:
    """One GET on a kept-alive connection: its status (the body is read and dropped)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    connection.request("GET", quote(path, safe="/?=&"), headers=headers)
    answer = connection.getresponse()
    answer.read()
    return answer.status


def _serve(url: str, port: int, log: Path, workers: int) -> subprocess.Popen[bytes]:
    env = os.environ | {"FOOTPRINT_DATABASE_URL": url}
    with log.open("wb") as out:
        server = subprocess.Popen(
            [*SERVE, "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if _get(http.client.HTTPConnection("127.0.0.1", port), "/api/v1/openapi.json") == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start within 60 s")


def _cpu_seconds(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def _machine_busy_seconds() -> float:
    """CPU time every core of this machine has spent busy since boot (Linux /proc/stat): with
    the server's and the clients' own, it tells what the database server and the kernel took."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    ticks = [int(f) for f in fields]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _calls(
    case_ids: list[int], rng: random.Random, mix: str = "standard"
) -> list[tuple[str, str, str]]:
    """(name, path, whose token): the mix, in the order clients take them. "standard" is the
    one the target is set on; "casework" is a force's daily work of the casework round (its
    own cases by risk, open ones by deadline, its tasks, a search, its notifications, the bail
    and case pages)."""
    if mix == "casework":
        return _casework_calls(rng.choice(case_ids))
    return [
        ("dashboard, national", "/", "coordinator"),
        ("dashboard, force", "/", "force"),
        ("GET /api/v1/cases?limit=100", "/api/v1/cases?limit=100", "force"),
        ("GET /api/v1/cases/{id}", f"/api/v1/cases/{rng.choice(case_ids)}", "force"),
        ("GET /api/v1/packages?limit=100", "/api/v1/packages?limit=100", "force"),
        ("GET /api/v1/bail-due", "/api/v1/bail-due", "force"),
        (
            "GET /api/v1/operations/{name}/figures",
            f"/api/v1/operations/{OPERATION}/figures",
            "coordinator",
        ),
    ]


def _casework_calls(case_id: int) -> list[tuple[str, str, str]]:
    return [
        ("GET /api/v1/cases?sort=-risk", "/api/v1/cases?sort=-risk&limit=100", "force"),
        (
            "GET /api/v1/cases?open=true&sort=deadline",
            "/api/v1/cases?open=true&sort=deadline&limit=100",
            "force",
        ),
        ("GET /api/v1/tasks?mine=true", "/api/v1/tasks?mine=true", "force"),
        ("GET /api/v1/search?q={case}", f"/api/v1/search?q={case_id}", "force"),
        ("page /notifications", "/notifications", "force"),
        ("page /bail", "/bail", "force"),
        ("page /cases/{id}", f"/cases/{case_id}", "force"),
    ]


def _load(
    port: int,
    tokens: dict[str, str],
    case_ids: list[int],
    clients: int,
    total: int,
    seconds: float,
    think_ms: float,
    mix: str,
) -> tuple[dict[str, list[float]], dict[str, int], float]:
    timings: dict[str, list[float]] = {}
    failures: dict[str, int] = {}
    lock = threading.Lock()
    issued = [0]
    stop_at = time.monotonic() + seconds

    def client(seed: int) -> None:
        # the standard library's client: the clients share the two cores with the server, and
        # a heavier one (httpx cost ~3 ms of CPU a request) would be measured as server time
        rng = random.Random(seed)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop_at:
            with lock:
                if issued[0] >= total:
                    break
                index, issued[0] = issued[0], issued[0] + 1
            calls = _calls(case_ids, rng, mix)
            name, path, who = calls[index % len(calls)]
            began = time.perf_counter()
            try:
                outcome = str(_get(connection, path, tokens[who]))
            except (OSError, http.client.HTTPException) as exc:
                outcome = type(exc).__name__
                connection.close()  # the next request opens a new connection
            took = (time.perf_counter() - began) * 1000
            with lock:
                timings.setdefault(name, []).append(took)
                if outcome != "200":
                    failures[f"{name}: {outcome}"] = failures.get(f"{name}: {outcome}", 0) + 1
            if think_ms:
                time.sleep(rng.uniform(0.5, 1.5) * think_ms / 1000)
        connection.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, failures, time.perf_counter() - began


def prepare(url: str, reset: bool, cases: int) -> tuple[str, float, dict[str, str], list[int]]:
    """The store filled with `cases` cases and two API users (the coordinator's and a force
    supervisor's): (dialect, seconds to fill, tokens by "coordinator"/"force", MET's case ids)."""
    db = fresh_database(url, reset)
    dialect = db.engine.dialect.name
    began = time.perf_counter()
    fill_cases(db, OPERATION, cases, datetime.now(UTC).date())
    filled = time.perf_counter() - began
    print(f"{cases:,} cases written in {filled:.1f} s", flush=True)
    if dialect == "postgresql":  # what autovacuum does after a bulk load on a live server
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    tokens = {}
    with db.unit_of_work() as session:
        for name, org, role in (
            ("load.coordinator", COORDINATOR_CODE, Role.COORDINATOR),
            ("load.force", MET, Role.FORCE_SUPERVISOR),
        ):
            add_user(session, Actor.system(), name, org, [role])
            tokens[name.removeprefix("load.")] = issue_token(
                session, Actor.system(), name, "load benchmark"
            )[1]
        case_ids = list(
            session.scalars(
                select(Case.id)
                .join(Organisation, Organisation.id == Case.force_id)
                .where(Organisation.code == MET)
            )
        )
    db.dispose()
    return dialect, filled, tokens, case_ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=4_000)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--server-workers", type=int, default=2, help="footprint serve --workers")
    parser.add_argument("--think-ms", type=float, default=0, help="mean pause between requests")
    parser.add_argument(
        "--mix", choices=("standard", "casework"), default="standard", help="see _calls"
    )
    parser.add_argument("--database", help="SQLAlchemy URL; default: SQLite in a temp folder")
    parser.add_argument("--reset", action="store_true", help="drop everything in --database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fp-bench-web-") as tmp:
        url = args.database or f"sqlite:///{Path(tmp)}/footprint.db"
        dialect, filled, tokens, case_ids = prepare(url, args.reset, args.cases)
        port = _free_port()
        log = Path(tmp) / "server.log"
        server = _serve(url, port, log, args.server_workers)
        before = resource.getrusage(resource.RUSAGE_SELF)
        server_before = _cpu_seconds(resource.getrusage(resource.RUSAGE_CHILDREN))
        busy_before = _machine_busy_seconds()
        try:
            timings, failures, wall = _load(
                port,
                tokens,
                case_ids,
                args.clients,
                args.requests,
                args.seconds,
                args.think_ms,
                args.mix,
            )
        finally:
            busy = _machine_busy_seconds() - busy_before
            clients_cpu = _cpu_seconds(resource.getrusage(resource.RUSAGE_SELF)) - _cpu_seconds(
                before
            )
            server.terminate()
            server.wait(timeout=30)
            server_cpu = _cpu_seconds(resource.getrusage(resource.RUSAGE_CHILDREN)) - server_before
            errors = [line for line in log.read_text().splitlines() if "Error" in line]
            print("\n".join(errors[-10:]))
    calls = {
        name: {
            "requests": len(values),
            "p50_ms": round(_percentile(values, 0.50), 1),
            "p95_ms": round(_percentile(values, 0.95), 1),
            "p99_ms": round(_percentile(values, 0.99), 1),
        }
        for name, values in timings.items()
    }
    every = [v for values in timings.values() for v in values]
    suffix = f"-think{int(args.think_ms)}" if args.think_ms else ""
    suffix += "" if args.mix == "standard" else f"-{args.mix}"
    report(
        f"web-{dialect}{suffix}",
        {
            "database": dialect,
            "cases": args.cases,
            "clients": args.clients,
            "server_workers": args.server_workers,
            "think_ms": args.think_ms,
            "mix": args.mix,
            "requests": len(every),
            "seconds": round(wall, 1),
            "requests_per_second": round(len(every) / wall, 1),
            "p50_ms": round(_percentile(every, 0.50), 1),
            "p95_ms": round(_percentile(every, 0.95), 1),
            "p99_ms": round(_percentile(every, 0.99), 1),
            "p95_vs_target": round(TARGET_P95_MS / _percentile(every, 0.95), 2),
            "calls": calls,
            "not_200": failures,
            # CPU per request answered: the clients', and the server's (its start included)
            "client_cpu_ms_per_request": round(1000 * clients_cpu / len(every), 2),
            "server_cpu_ms_per_request": round(1000 * server_cpu / len(every), 2),
            # all the machine's cores, busy, during the load: the rest is the database server's
            # (PostgreSQL), the kernel's and whatever else ran
            "machine_busy_ms_per_request": round(1000 * busy / len(every), 2),
            "fill_seconds": round(filled, 1),
        },
    )


if __name__ == "__main__":
    main()

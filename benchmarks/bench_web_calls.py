"""What each call of the load mix costs the server on its own: one client, in this process,
no concurrency, so that a change to one route can be measured without the load benchmark's
queueing (and noise) on top.

    .venv/bin/python benchmarks/bench_web_calls.py [--cases 100000] [--repeats 60]
        [--mix standard|casework]...

The store is filled as bench_web.py fills it; each call of both its mixes is made `--repeats` times
through Starlette's test client (which adds its own few milliseconds to every figure) after one
warm-up call each. Prints the mean and median milliseconds per call and writes
benchmarks/results/web-calls-<dialect>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi.testclient import TestClient

from _common import report
from bench_web import _calls, prepare
from footprint.config import load_settings
from footprint.store import Database
from footprint.web.app import create_app

MIXES = ("standard", "casework")


Caller = Callable[[str, str], tuple[int, str]]  # (whose token, path) -> (status, body)


def client_caller(app: Any, tokens: dict[str, str]) -> Caller:
    clients = {
        who: TestClient(app, headers={"Authorization": f"Bearer {token}"})
        for who, token in tokens.items()
    }

    def get(who: str, path: str) -> tuple[int, str]:
        answer = clients[who].get(path)
        return answer.status_code, answer.text

    return get


def direct_caller(app: Any, tokens: dict[str, str]) -> Caller:
    async def inline(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
        return func(*args)

    anyio.to_thread.run_sync = inline  # type: ignore[assignment] # this process only
    loop = asyncio.new_event_loop()

    def get(who: str, path: str) -> tuple[int, str]:
        route, _, query = path.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": route,
            "raw_path": route.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [
                (b"host", b"bench"),
                (b"authorization", f"Bearer {tokens[who]}".encode()),
            ],
            "client": ("127.0.0.1", 1),
            "server": ("bench", 80),
        }
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        loop.run_until_complete(app(scope, receive, send))
        body = b"".join(m.get("body", b"") for m in sent[1:])
        return int(sent[0]["status"]), body.decode(errors="replace")

    return get


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=60)
    parser.add_argument("--mix", choices=MIXES, action="append", help="default: both")
    parser.add_argument("--direct", action="store_true", help="no test client: see above")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fp-bench-calls-") as tmp:
        url = f"sqlite:///{Path(tmp)}/footprint.db"
        dialect, _filled, tokens, case_ids = prepare(url, False, args.cases)
        db = Database(url)
        app = create_app(db, load_settings())
        get = direct_caller(app, tokens) if args.direct else client_caller(app, tokens)
        rng = random.Random(1)
        figures: dict[str, dict[str, float]] = {}
        mixes = args.mix or MIXES
        every = [(mix, n) for mix in mixes for n in range(len(_calls(case_ids, rng, mix)))]
        for mix, position in every:
            name, _path, who = _calls(case_ids, rng, mix)[position]
            took = []
            for attempt in range(args.repeats + 1):
                path = _calls(case_ids, rng, mix)[position][1]  # a different case each time
                began = time.perf_counter()
                status, text = get(who, path)
                if status != 200:
                    raise SystemExit(f"{name}: {status} {text[:200]}")
                if attempt:  # the first is a warm-up
                    took.append((time.perf_counter() - began) * 1000)
            figures[name] = {
                "mean_ms": round(statistics.fmean(took), 1),
                "median_ms": round(statistics.median(took), 1),
            }
        db.dispose()
    report(
        f"web-calls-{dialect}",
        {
            "database": dialect,
            "cases": args.cases,
            "repeats": args.repeats,
            "direct": args.direct,
            "calls": figures,
        },
    )


if __name__ == "__main__":
    main()

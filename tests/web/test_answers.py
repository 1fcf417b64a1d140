"""API answers are serialised straight from the declared response model (web/answers.py); the
request threads are capped when the server asks (web/serving.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from anyio import to_thread
from fastapi import APIRouter, FastAPI, Response
from fastapi.testclient import TestClient

from footprint.store import Database
from footprint.web.answers import SerialisedRoute
from footprint.web.app import create_app


@dataclass(frozen=True, slots=True)
class View:
    id: int
    at: datetime
    tags: list[str]


def _app() -> FastAPI:
    router = APIRouter(route_class=SerialisedRoute)

    @router.get("/views", response_model=list[View])
    def views() -> list[View]:
        return [View(1, datetime(2026, 12, 2, 9, 30, tzinfo=UTC), ["a", "b"])]

    @router.get("/raw", response_model=View)
    def raw() -> Response:
        return Response("as it is", media_type="text/plain", status_code=202)

    @router.get("/typed/{number}", response_model=dict[str, int])
    def typed(number: int) -> dict[str, int]:
        return {"number": number}

    app = FastAPI()
    app.include_router(router)
    return app


def test_an_answer_is_the_declared_models_json() -> None:
    client = TestClient(_app())
    answer = client.get("/views")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == [{"id": 1, "at": "2026-12-02T09:30:00Z", "tags": ["a", "b"]}]


def test_a_response_returned_by_the_route_is_sent_as_it_is() -> None:
    answer = TestClient(_app()).get("/raw")
    assert (answer.status_code, answer.text) == (202, "as it is")


def test_parameters_are_still_read_and_validated_and_documented() -> None:
    app = _app()
    client = TestClient(app)
    assert client.get("/typed/7").json() == {"number": 7}
    assert client.get("/typed/seven").status_code == 422  # the wrapped route's own signature
    schema = app.openapi()["paths"]["/views"]["get"]["responses"]["200"]["content"]
    assert schema["application/json"]["schema"]["type"] == "array"


def test_the_server_caps_the_threads_that_run_requests() -> None:
    db = Database("sqlite://")
    seen: list[float] = []
    for threads in (3, None):
        app = create_app(db, request_threads=threads)

        @app.get("/threads")
        async def threads_now() -> dict[str, float]:
            seen.append(to_thread.current_default_thread_limiter().total_tokens)
            return {}

        with TestClient(app) as client:  # the lifespan runs
            client.get("/threads")
    assert seen == [3, 40]  # 40: anyio's default, left alone without a setting
    db.dispose()

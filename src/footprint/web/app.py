"""The web application: JSON API, server-rendered pages and their assets, all served by the app
itself (forces run air-gapped: no CDN, no remote fonts), behind strict security headers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from importlib.resources import files

from anyio import to_thread
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from footprint.config import Settings, load_settings
from footprint.errors import REFUSALS, Refusal, message_for, status_for
from footprint.plugins import load_plugins
from footprint.security import audit
from footprint.security.actor import AccessDenied
from footprint.store import Database
from footprint.web import (
    api,
    api_audit,
    api_casework,
    api_devices,
    api_grading,
    api_hashsets,
    api_intelligence,
    api_releases,
    pages,
    pages_cases,
    pages_devices,
    pages_figures,
    pages_grading,
    pages_hashsets,
    pages_intelligence,
    pages_operation,
    pages_tasks,
)
from footprint.web.callers import Caller, database, identify
from footprint.web.middleware import (
    AuditedAnswers,
    RefusedNul,
    SignedInBodies,
    is_api,
    refusal_answer,
)


def _field_errors(exc: RequestValidationError) -> str:
    """'body.count: Input should be greater than or equal to 1; ...' — each names its field."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "request"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts)


def _audit_refusal(request: Request, exc: AccessDenied) -> None:
    """A refused call (403) in a transaction of its own: the route's own has rolled back."""
    caller: Caller | None = getattr(request.state, "caller", None)
    if caller is None:
        return
    with database(request).unit_of_work() as session:
        audit.record(
            session,
            caller.actor,
            "access.refused",
            "route",
            request.url.path,
            method=request.method,
            why=str(exc),
        )
    exc.audited = True


ROUTERS = (
    api.router,
    api_intelligence.router,
    api_devices.router,
    api_grading.router,
    api_audit.router,
    api_casework.router,
    api_releases.router,
    api_hashsets.router,
    pages.router,
    pages_cases.router,
    pages_intelligence.router,
    pages_devices.router,
    pages_grading.router,
    pages_hashsets.router,
    pages_operation.router,
    pages_tasks.router,
    pages_figures.router,
)


def all_routes() -> list[APIRoute]:
    """Every page and API route (the static files aside): for the route sweep and the docs."""
    return [route for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)]


def _lifespan(
    request_threads: int | None,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if request_threads is not None:  # sync routes and dependencies run on these threads
            to_thread.current_default_thread_limiter().total_tokens = request_threads
        yield

    return lifespan


def create_app(
    db: Database, settings: Settings | None = None, request_threads: int | None = None
) -> FastAPI:
    """The app over one database; `settings` name the hash-set store and the scans folder
    (the configured ones when not given); `request_threads`, when given, caps the threads
    that run requests' blocking work (anyio's default is 40)."""
    app = FastAPI(
        lifespan=_lifespan(request_threads),
        title="footprint",
        version="1",
        description="Coordinated child-protection operations: the JSON API.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # the stock docs pages load from a CDN; forces are air-gapped
        redoc_url=None,
    )
    app.state.db = db
    app.state.settings = settings or load_settings()
    load_plugins(app.state.settings.plugin_modules)  # their formats in the hash-set import
    app.mount("/static", StaticFiles(directory=str(files("footprint.web") / "static")), "static")
    for router in ROUTERS:
        app.include_router(router)

    app.add_middleware(RefusedNul)  # refused before any route reads, with the security headers
    app.add_middleware(SignedInBodies)  # before RefusedNul reads a body: only a caller's
    app.add_middleware(AuditedAnswers, db=db)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return refusal_answer(request, 422, _field_errors(exc))

    @app.exception_handler(StarletteHTTPException)
    async def no_such_page(request: Request, exc: StarletteHTTPException) -> Response:
        """An address with no page (or a method it does not take): a page for people, with
        their navigation; JSON for the API."""
        if not is_api(request) and not hasattr(request.state, "caller"):
            await run_in_threadpool(_identify_quietly, request)
        message = f"no page at {request.url.path}" if exc.status_code == 404 else str(exc.detail)
        return refusal_answer(request, exc.status_code, message)

    for kind in REFUSALS:

        @app.exception_handler(kind)
        async def refused(request: Request, exc: Exception) -> Response:
            if isinstance(exc, AccessDenied) and not exc.audited:
                await run_in_threadpool(_audit_refusal, request, exc)
            return refusal_answer(request, status_for(exc), message_for(exc))

    return app


def _identify_quietly(request: Request) -> None:
    """Who asked, if anyone signed in did: the error page then keeps their navigation."""
    with suppress(Refusal):
        identify(request)

"""The web application: JSON API, server-rendered pages and their assets, all served by the app
itself (forces run air-gapped: no CDN, no remote fonts), behind strict security headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib.resources import files
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from footprint.config import Settings, load_settings
from footprint.operations.case_workflow import InvalidTransition
from footprint.store import Database
from footprint.web import (
    api,
    api_audit,
    api_devices,
    api_hashsets,
    api_intelligence,
    pages,
    pages_devices,
    pages_hashsets,
    pages_intelligence,
    pages_operation,
)
from footprint.web.callers import NotSignedIn
from footprint.web.rendering import render_error

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)


def _security_headers(response: Response, request: Request) -> None:
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if not request.url.path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"  # records must not linger in shared caches
    if request.url.scheme == "https":
        headers["Strict-Transport-Security"] = "max-age=31536000"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _field_errors(exc: RequestValidationError) -> str:
    """'body.count: Input should be greater than or equal to 1; ...' — each names its field."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "request"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts)


def _status_for(exc: Exception) -> int:
    if isinstance(exc, NotSignedIn):
        return 401
    if isinstance(exc, LookupError):  # absent and another force's read the same
        return 404
    if isinstance(exc, PermissionError):  # AccessDenied, CsrfRefused, a refused sign-in
        return 403
    if isinstance(exc, InvalidTransition):
        return 409
    return 422  # the services' ValueErrors name the field: "field: reason"


def _answer(request: Request, status: int, message: str) -> Response:
    if _is_api(request):
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target)}", status_code=303)
    return render_error(request, status, message)


ROUTERS = (
    api.router,
    api_intelligence.router,
    api_devices.router,
    api_audit.router,
    api_hashsets.router,
    pages.router,
    pages_intelligence.router,
    pages_devices.router,
    pages_hashsets.router,
    pages_operation.router,
)


def all_routes() -> list[APIRoute]:
    """Every page and API route (the static files aside): for the route sweep and the docs."""
    return [route for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)]


def create_app(db: Database, settings: Settings | None = None) -> FastAPI:
    """The app over one database; `settings` name the hash-set store and the scans folder
    (the configured ones when not given)."""
    app = FastAPI(
        title="footprint",
        version="1",
        description="Coordinated child-protection operations: the JSON API.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # the stock docs pages load from a CDN; forces are air-gapped
        redoc_url=None,
    )
    app.state.db = db
    app.state.settings = settings or load_settings()
    app.mount("/static", StaticFiles(directory=str(files("footprint.web") / "static")), "static")
    for router in ROUTERS:
        app.include_router(router)

    @app.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        _security_headers(response, request)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return _answer(request, 422, _field_errors(exc))

    for kind in (LookupError, PermissionError, ValueError):

        @app.exception_handler(kind)
        async def refused(request: Request, exc: Exception) -> Response:
            return _answer(request, _status_for(exc), str(exc))

    return app

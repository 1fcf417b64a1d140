"""What every answer passes through: strict security headers, the audit of what was read
(written once per request), bodies read only for a signed-in caller, and NUL bytes refused
before any route reads them."""

from __future__ import annotations

import itertools
import json
from typing import Literal
from urllib.parse import parse_qsl, quote

from fastapi import Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from footprint.errors import NotSignedIn
from footprint.security import audit
from footprint.store import Database
from footprint.web.callers import identify
from footprint.web.read_log import ReadLog
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


SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


def _security_headers(headers: MutableHeaders, scope: Scope) -> None:
    for name, value in SECURITY_HEADERS:
        headers[name] = value
    if not scope["path"].startswith("/static/"):
        headers["Cache-Control"] = "no-store"  # records must not linger in shared caches
    if scope.get("scheme") == "https":
        headers["Strict-Transport-Security"] = "max-age=31536000"


# Every so many answers a server process asks its client to reconnect (as nginx's
# keepalive_requests does): the kernel hands a new connection to whichever server process
# accepts it first, usually the less busy, so kept-alive clients do not stay piled on one
# process while another idles.
RECONNECT_EVERY = 100


class AuditedAnswers:
    """Every answer: the request's reads are in the audit log before its first byte leaves
    (collected while the route runs, written in one transaction with those of the requests
    finishing at the same time: audit.record_read, web/read_log.py), and it
    carries the security headers. Plain ASGI: Starlette's function middleware cost about a
    millisecond a request."""

    def __init__(self, app: ASGIApp, db: Database) -> None:
        self.app, self.read_log = app, ReadLog(db)
        self.answered = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        reads: list[audit.Pending] = []

        async def write_reads() -> None:
            if reads:
                taken = reads[:]
                reads.clear()
                await self.read_log.write(taken)

        async def send_audited(message: Message) -> None:
            if message["type"] == "http.response.start":
                await write_reads()  # failing, the answer becomes a 500 without the records
                headers = MutableHeaders(scope=message)
                _security_headers(headers, scope)
                if next(self.answered) % RECONNECT_EVERY == 0:
                    headers["Connection"] = "close"
            await send(message)

        token = audit.collect_reads(reads)
        try:
            await self.app(scope, receive, send_audited)
        finally:
            audit.stop_collecting(token)
            await write_reads()  # anything read after the answer began (a streamed body)


class SignedInBodies:
    """A request body (an upload above all) is read only for a signed-in caller: anyone else
    is answered before a byte of it is read (401 for the API, the sign-in page for pages), so
    nobody can fill the server's disk or memory without an account. Signing in is the one
    body taken from anyone (a small form: RefusedNul bounds it)."""

    OPEN = frozenset({"/sign-in"})

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in ("GET", "HEAD", "OPTIONS")
            or scope["path"] in self.OPEN
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            await run_in_threadpool(identify, request)  # the route's own look-up is the same
        except NotSignedIn as exc:
            await refusal_answer(request, 401, str(exc))(scope, receive, send)
            return
        await self.app(scope, receive, send)


class RefusedNul:
    """A NUL character in the path, a query parameter or a field of a JSON or form body is
    refused with 422 naming where it is: no field of ours holds one, and PostgreSQL refuses it
    in text (a 500 otherwise). Multipart bodies (uploads) are left alone: files hold NULs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        where = _nul_in(scope)
        if where is None and _body_kind(scope) is not None:
            received, body = await _whole_body(receive)
            if received == "gone":  # a half-sent body is never acted on
                return
            if received == "too large":
                answer = refusal_answer(
                    Request(scope), 413, f"body: over {LARGEST_FIELDS_BODY} bytes"
                )
                await answer(scope, receive, send)
                return
            where = _nul_in_body(_body_kind(scope), body)
            receive = _replaying(body, receive)
        if where is None:
            await self.app(scope, receive, send)
            return
        answer = refusal_answer(Request(scope), 422, f"{where}: contains a NUL character")
        await answer(scope, receive, send)


def _nul_in(scope: Scope) -> str | None:
    if "\x00" in scope["path"]:
        return "path"
    query: bytes = scope.get("query_string", b"")
    return _nul_in_form(query, "query")


def _nul_in_form(encoded: bytes, unnamed: str) -> str | None:
    if b"%00" in encoded or b"\x00" in encoded:
        for name, value in parse_qsl(encoded.decode("latin-1"), keep_blank_values=True):
            if "\x00" in value or "\x00" in name:
                return name.replace("\x00", "") or unnamed
    return None


def _body_kind(scope: Scope) -> str | None:
    """The kind of a body this app reads field by field, "json" or "form"; None for others."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            media = value.split(b";")[0].strip().lower()
            if media == b"application/json":
                return "json"
            if media == b"application/x-www-form-urlencoded":
                return "form"
    return None


# A JSON or form body holds fields a person typed (notes are at most 2,000 characters); files
# come as multipart. Anything larger is refused rather than held in memory to be checked.
LARGEST_FIELDS_BODY = 1024 * 1024


async def _whole_body(
    receive: Receive,
) -> tuple[Literal["whole", "too large", "gone"], bytes]:
    """The request's body, read whole unless it is over LARGEST_FIELDS_BODY or the client went
    away before sending all of it."""
    parts, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return "gone", b""
        parts.append(message.get("body", b""))
        size += len(parts[-1])
        if size > LARGEST_FIELDS_BODY:
            return "too large", b""
        if not message.get("more_body", False):
            return "whole", b"".join(parts)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """The body again, for the app, as one message; then the client's own messages (a
    disconnect, when it comes)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


def _nul_in_body(kind: str | None, body: bytes) -> str | None:
    if kind == "form":
        return _nul_in_form(body, "body")
    if b"\\u0000" not in body and b"\x00" not in body:
        return None
    try:
        document = json.loads(body)
    except ValueError:  # not JSON: the route's own validation answers
        return None
    return _nul_at(document)


def _nul_at(value: object, path: tuple[str, ...] = ()) -> str | None:
    """Where in a parsed JSON document the first string holding a NUL is, a key or a value
    ("images.A"; "body" for the document itself)."""
    if isinstance(value, str):
        return (".".join(path) or "body") if "\x00" in value else None
    if isinstance(value, dict):
        items = [(str(key), item) for key, item in value.items()]
    elif isinstance(value, list):
        items = [(str(index), item) for index, item in enumerate(value)]
    else:
        return None
    for key, item in items:
        here = (*path, key.replace("\x00", ""))
        found = ".".join(here) if "\x00" in key else _nul_at(item, here)
        if found is not None:
            return found
    return None


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def refusal_answer(request: Request, status: int, message: str) -> Response:
    if is_api(request):
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target)}", status_code=303)
    return render_error(request, status, message)

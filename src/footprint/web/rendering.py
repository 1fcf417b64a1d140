"""Pages are Jinja2 templates (autoescaped) with the caller, their CSRF token and the charts
drawn here as SVG; no inline script anywhere (the Content Security Policy forbids it)."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from fastapi import Request, Response
from fastapi.templating import Jinja2Templates

from footprint.clock import uk_day, uk_time
from footprint.geo.forces import named
from footprint.security.permissions import allows
from footprint.web.callers import CSRF_FIELD, Caller

templates = Jinja2Templates(directory=str(files("footprint.web") / "templates"))
# which forms a page offers: the services' own permission table (`may(viewer.actor, "...")`)
templates.env.globals["may"] = allows


templates.env.filters["named"] = named
# times in UK local time with the zone shown, days written one way (clock.py)
templates.env.filters["uk_time"] = uk_time
templates.env.filters["uk_day"] = uk_day


def render(
    request: Request, template: str, caller: Caller | None, status: int = 200, **context: Any
) -> Response:
    # a form sent back with a refusal: what was typed, and which form it was (its action)
    typed = getattr(request.state, "typed", None) if status >= 400 else None
    return templates.TemplateResponse(
        request,
        template,
        {
            "viewer": caller,
            "csrf_field": CSRF_FIELD,
            "typed": typed or {},
            "typed_action": request.url.path if typed is not None else None,
        }
        | context,
        status_code=status,
    )


def render_error(request: Request, status: int, message: str) -> Response:
    """An error page that keeps the navigation when the caller is known (signed in, and
    identified before the refusal), so that a person is never stranded on it."""
    titles = {403: "Not allowed", 404: "Not found", 409: "Not possible now", 413: "Too large"}
    return render(
        request,
        "error.html",
        getattr(request.state, "caller", None),
        status=status,
        title=titles.get(status, "Please check what you entered"),
        message=message,
    )

"""The web application (FastAPI): JSON API under /api/v1 and server-rendered pages."""

from footprint.web.app import create_app

__all__ = ["create_app"]

"""The app as `footprint serve` runs it: built in each server process from the settings."""

from __future__ import annotations

from fastapi import FastAPI

from footprint.config import load_settings
from footprint.store import Database
from footprint.web.app import create_app

SPARE_CONNECTIONS = 4  # beyond one per request thread: jobs and background recounts


def app() -> FastAPI:
    """Requests' blocking work (the database) runs on `request_threads` threads, each with a
    pooled connection kept open: more threads than cores only queue on the interpreter lock,
    and a connection opened per request would start with a cold page cache."""
    settings = load_settings()
    threads = settings.request_threads
    db = Database(
        settings.database_url, pool_size=threads + SPARE_CONNECTIONS, max_overflow=threads
    )
    return create_app(db, settings, request_threads=threads)

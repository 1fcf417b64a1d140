"""The app as `footprint serve` runs it: built in each server process from the settings."""

from __future__ import annotations

from fastapi import FastAPI

from footprint.config import load_settings
from footprint.store import Database
from footprint.web.app import create_app


def app() -> FastAPI:
    settings = load_settings()
    return create_app(Database(settings.database_url), settings)

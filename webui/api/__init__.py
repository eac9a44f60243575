"""The JSON API under ``/api/v1`` (described by ``/api/v1/openapi.json``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from webui.api import (  # noqa: E402  (routes register on bp)
    conditions,
    decisions,
    definitions,
    dry_run,
    heatmap,
    instances,
    meta,
    migration,
    modification,
    monitor,
    time_travel,
    user_tasks,
)

__all__ = [
    "bp",
    "conditions",
    "decisions",
    "definitions",
    "dry_run",
    "heatmap",
    "instances",
    "meta",
    "migration",
    "modification",
    "monitor",
    "time_travel",
    "user_tasks",
]

"""The JSON API under ``/api/v1`` (described by ``/api/v1/openapi.json``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from webui.api import definitions, heatmap, instances, meta, time_travel, user_tasks  # noqa: E402  (routes on bp)

__all__ = ["bp", "definitions", "heatmap", "instances", "meta", "time_travel", "user_tasks"]

"""The HTML pages (Jinja2 templates in ``templates/ui``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ui", __name__)

from webui.ui import account, definitions, instances, operations, tasks  # noqa: E402  (routes register on bp)

__all__ = ["account", "bp", "definitions", "instances", "operations", "tasks"]

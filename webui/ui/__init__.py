"""The HTML pages (Jinja2 templates in ``templates/ui``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ui", __name__)

from webui.ui import (  # noqa: E402  (routes register on bp)
    account,
    decisions,
    definitions,
    instances,
    operations,
    tasks,
)

__all__ = ["account", "bp", "decisions", "definitions", "instances", "operations", "tasks"]

"""``/health`` (liveness: the process answers) and ``/ready`` (readiness: database and scheduler), without login.

Both are for probes and load balancers, so they need no credentials and say
nothing a stranger could use: no URL, no path, no version.
"""

from __future__ import annotations

from typing import cast

from flask import Flask, current_app, jsonify
from werkzeug.wrappers import Response

from engine.health import Scheduler, readiness
from webui import auth
from webui.services import services

SCHEDULER_EXTENSION = "steadyflow_scheduler"


def health() -> Response:
    return jsonify({"status": "ok"})


def ready() -> Response:
    scheduler = cast("Scheduler | None", current_app.extensions.get(SCHEDULER_EXTENSION))
    state = readiness(services().engine.db, scheduler)
    response = jsonify(state.as_json())
    response.status_code = 200 if state.ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask, scheduler: Scheduler | None) -> None:
    """Route both; ``scheduler`` is the pool ``serve`` runs (None: an app without one, e.g. in tests)."""
    app.extensions[SCHEDULER_EXTENSION] = scheduler
    app.add_url_rule("/health", endpoint="health", view_func=health, methods=["GET"])
    app.add_url_rule("/ready", endpoint="ready", view_func=ready, methods=["GET"])
    auth.PUBLIC_ENDPOINTS.update({"health", "ready"})

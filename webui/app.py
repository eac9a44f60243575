"""The Flask application: ``create_app`` binds an engine, accounts and the blueprints together."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, send_from_directory
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from engine.accounts import Accounts
from engine.engine import Engine
from engine.health import Scheduler
from engine.queries import Queries
from engine.tasklist import Tasklist
from webui import assets, auth, errors, favicon, health, input_gate
from webui.services import Services

HERE = Path(__file__).resolve().parent
MAX_UPLOAD_BYTES = 16 * 1024 * 1024


def _format_time(value: float | None, ms: bool = False) -> str:
    if value is None:
        return "—"
    moment = datetime.fromtimestamp(value)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] if ms else moment.strftime("%Y-%m-%d %H:%M:%S")


def _format_duration(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    return str(timedelta(seconds=round(seconds)))


def _iso(value: float | None) -> str:
    return datetime.fromtimestamp(value).astimezone().isoformat() if value is not None else ""


def create_app(
    engine: Engine,
    *,
    accounts: Accounts | None = None,
    config: dict[str, Any] | None = None,
    scheduler: Scheduler | None = None,
) -> Flask:
    app = Flask(__name__, static_folder="static", template_folder="templates")
    accounts = accounts or Accounts(engine.db)
    queries = Queries(engine)
    app.extensions["steadyflow"] = Services(engine, queries, Tasklist(engine, queries), accounts)
    app.config.update(
        SECRET_KEY=accounts.shared_secret("session_secret"),
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        SESSION_COOKIE_NAME="steadyflow_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        JSON_SORT_KEYS=False,
    )
    app.config.update(config or {})
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.jinja_env.filters.update(ts=_format_time, duration=_format_duration, iso=_iso)
    app.jinja_env.globals.update(
        now=time.time, bpmn_js_available=assets.has_asset("bpmn-js", "bpmn-navigated-viewer.production.min.js")
    )
    auth.init_app(app, accounts)
    errors.init_app(app)
    input_gate.init_app(app)

    health.init_app(app, scheduler)
    favicon.init_app(app)

    @app.get("/vendor/bpmn-js/<path:filename>", endpoint="vendor", defaults={"package": "bpmn-js"})
    @app.get("/vendor/<package>/<path:filename>", endpoint="vendor")
    def vendor(package: str, filename: str) -> Response:
        root = assets.asset_root(package)
        if root is None:
            raise NotFound(
                f"the browser library {package!r} is not installed: in a source checkout run 'make run' "
                "(npm ci in webui/); an installed steadyflow carries it in its wheel"
            )
        return send_from_directory(root, filename, max_age=3600)

    from webui import camunda8, engine_rest, metrics, oauth
    from webui.api import bp as api_bp
    from webui.ui import bp as ui_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(ui_bp)
    engine_rest.init_app(app, engine, queries, long_poll_capacity=app.config.get("ENGINE_REST_LONG_POLLS"))
    camunda8.init_app(app, engine, long_poll_capacity=app.config.get("ENGINE_REST_LONG_POLLS"))
    metrics.init_app(app)
    oauth.init_app(app, accounts)

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self' data:",
        )
        return response

    return app

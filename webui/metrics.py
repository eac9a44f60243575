"""``GET /metrics``: this process's counters and the database's gauges, in the Prometheus text format.

Scrapers send no session cookie, so the view checks credentials itself (see
``engine.metrics.scrape_allowed``): an unauthenticated scrape is answered only
when the server runs with ``--metrics-public`` (app config ``METRICS_PUBLIC``);
otherwise a user's API token (``Authorization: Bearer ...``) or HTTP basic
credentials are required, any role.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, request
from werkzeug.wrappers import Response

from engine.metrics import CONTENT_TYPE, exposition, render_long_polls, scrape_allowed
from webui import auth, camunda8, engine_rest
from webui.services import services

bp = Blueprint("metrics", __name__)
ENDPOINT = "metrics.scrape"


@bp.get("/metrics", endpoint="scrape")
def scrape() -> Response:
    found = services()
    public = bool(current_app.config.get("METRICS_PUBLIC", False))
    if not scrape_allowed(found.accounts, request.headers.get("Authorization"), public=public):
        return Response(
            "metrics need credentials: send 'Authorization: Bearer <token>' (steadyflow users token NAME) "
            "or start the server with --metrics-public\n",
            status=401,
            content_type="text/plain; charset=utf-8",
            headers={"WWW-Authenticate": 'Bearer realm="steadyflow metrics"'},
        )
    waiting = {
        "engine-rest": engine_rest.waiting_long_polls(current_app),
        "camunda8": camunda8.waiting_long_polls(current_app),
    }
    body = exposition(found.engine.steps.metrics, found.engine.db) + render_long_polls(waiting)
    return Response(body, content_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})


def init_app(app: Flask) -> None:
    # The session check of every other page does not apply: the view above authenticates the scraper.
    auth.PUBLIC_ENDPOINTS.add(ENDPOINT)
    app.register_blueprint(bp)

"""The Camunda 7 REST subset, mounted at ``/engine-rest`` and at ``/rest``.

Camunda Modeler deploys and starts through it, and external-task workers
written for Camunda 7 fetch, lock and complete steadyflow's jobs through it
unchanged: every job type is a topic. Modules by resource: ``deployments``,
``definitions``, ``instances``, ``variables``, ``incidents``, ``fetch_and_lock``,
``external_tasks``, ``messages``, ``conditions``, ``start_forms``, ``tasks`` (user tasks; ``task_filters`` reads
their queries), ``task_variables``; ``typed_values``
converts Camunda's typed variables, ``errors`` answers in Camunda's error shape, ``long_poll`` holds
waiting fetchAndLock requests.
"""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, Flask

from engine.engine import Engine
from engine.queries import Queries
from engine.rest_queries import RestQueries
from webui.engine_rest import errors
from webui.engine_rest.context import EXTENSION, RestContext
from webui.engine_rest.long_poll import DEFAULT_CAPACITY, LongPolls

bp = Blueprint("engine_rest", __name__)
errors.register(bp)

from webui.engine_rest import (  # noqa: E402  (routes register on bp)
    conditions,
    decisions,
    definitions,
    deployments,
    external_tasks,
    fetch_and_lock,
    incidents,
    instances,
    messages,
    migration,
    modification,
    start_forms,
    task_variables,
    tasks,
    variables,
)
from webui.engine_rest.webapps import WELL_KNOWN_ENDPOINT, webapps_bp  # noqa: E402
from webui.unknown_routes import refuse_unknown  # noqa: E402


@bp.route("/<path:unknown>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
def unknown_resource(unknown: str) -> Any:
    refuse_unknown(f"The Camunda REST subset has no resource '/{unknown}'")


def init_app(app: Flask, engine: Engine, queries: Queries, *, long_poll_capacity: int | None = None) -> None:
    """Mount the API at /engine-rest and /rest, with its own long-poll limit."""
    polls = LongPolls(long_poll_capacity if long_poll_capacity is not None else DEFAULT_CAPACITY)
    app.extensions[EXTENSION] = RestContext(engine, RestQueries(engine), queries, polls)
    engine.add_job_listener(polls.notify)
    app.register_blueprint(bp, url_prefix="/engine-rest")
    app.register_blueprint(bp, url_prefix="/rest", name="rest")
    app.register_blueprint(webapps_bp)


def waiting_long_polls(app: Flask) -> int:
    """How many requests of this API wait in a long poll now (0 when the API is not mounted)."""
    context = cast(RestContext | None, app.extensions.get(EXTENSION))
    return 0 if context is None else context.long_polls.waiting


def release_long_polls(app: Flask, timeout_s: float = 2.0) -> None:
    """At shutdown: answer every waiting fetchAndLock now (with no tasks) and wait until they are sent."""
    context = cast(RestContext | None, app.extensions.get(EXTENSION))
    if context is not None:
        context.long_polls.close()
        context.long_polls.wait_drained(timeout_s)


__all__ = [
    "WELL_KNOWN_ENDPOINT",
    "bp",
    "conditions",
    "decisions",
    "definitions",
    "deployments",
    "external_tasks",
    "fetch_and_lock",
    "incidents",
    "init_app",
    "instances",
    "messages",
    "migration",
    "modification",
    "release_long_polls",
    "waiting_long_polls",
    "start_forms",
    "task_variables",
    "tasks",
    "variables",
]

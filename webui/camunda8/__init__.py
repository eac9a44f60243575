"""A Camunda 8 REST subset (the Orchestration Cluster API, 8.8 field names), mounted at ``/v2``.

Camunda Modeler deploys and starts Camunda 8 models through it, and Camunda 8
job workers (e.g. the official ``camunda-orchestration-sdk``) activate and
complete steadyflow's jobs through it unchanged: every job type is a worker
type, the same jobs in-process handlers and Camunda 7 external-task clients
take. Modules by resource: ``cluster``, ``deployments``, ``instances``,
``searches``, ``runtime_search``, ``wait_search``, ``jobs``, ``messages``, ``conditionals``, ``user_tasks``;
``problems`` answers errors as RFC 9457 problem details, ``request_input`` reads bodies strictly,
``dto`` shapes answers.
Keys are the 64-bit numbers of ``engine.c8_keys``, sent as strings.
"""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, Flask

from engine.c8_keys import C8Keys
from engine.engine import Engine
from engine.rest_queries import RestQueries
from webui.camunda8 import problems
from webui.camunda8.context import EXTENSION, C8Context
from webui.camunda8.operate import operate_bp
from webui.engine_rest.long_poll import DEFAULT_CAPACITY, LongPolls
from webui.unknown_routes import refuse_unknown

bp = Blueprint("camunda8", __name__)
problems.register(bp)

from webui.camunda8 import (  # noqa: E402  (routes register on bp)
    cluster,
    conditionals,
    decisions,
    deployments,
    instances,
    jobs,
    messages,
    modification,
    runtime_search,
    searches,
    user_tasks,
    wait_search,
)


@bp.route("/<path:unknown>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
def unknown_resource(unknown: str) -> Any:
    refuse_unknown(f"The Camunda 8 REST subset has no resource '/v2/{unknown}'")


def init_app(app: Flask, engine: Engine, *, long_poll_capacity: int | None = None) -> None:
    """Mount the API at /v2, with its own long-poll limit for job activation."""
    polls = LongPolls(long_poll_capacity if long_poll_capacity is not None else DEFAULT_CAPACITY)
    app.extensions[EXTENSION] = C8Context(engine, RestQueries(engine), C8Keys(engine.db), polls)
    engine.add_job_listener(polls.notify)
    app.register_blueprint(bp, url_prefix="/v2")
    app.register_blueprint(operate_bp)


def waiting_long_polls(app: Flask) -> int:
    """How many requests of this API wait in a long poll now (0 when the API is not mounted)."""
    context = cast(C8Context | None, app.extensions.get(EXTENSION))
    return 0 if context is None else context.long_polls.waiting


def release_long_polls(app: Flask, timeout_s: float = 2.0) -> None:
    """At shutdown: answer every waiting job activation now (with no jobs) and wait until they are sent."""
    context = cast(C8Context | None, app.extensions.get(EXTENSION))
    if context is not None:
        context.long_polls.close()
        context.long_polls.wait_drained(timeout_s)


__all__ = [
    "bp",
    "cluster",
    "conditionals",
    "decisions",
    "deployments",
    "init_app",
    "instances",
    "jobs",
    "messages",
    "modification",
    "release_long_polls",
    "waiting_long_polls",
    "runtime_search",
    "searches",
    "user_tasks",
    "wait_search",
]

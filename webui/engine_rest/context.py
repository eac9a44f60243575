"""The objects an engine_rest request works with, bound to the app by ``init_app``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from flask import current_app, request

from engine.engine import Engine
from engine.queries import Queries
from engine.rest_queries import RestQueries
from webui.engine_rest.long_poll import LongPolls

EXTENSION = "steadyflow.engine_rest"
PREFIXES = {"engine_rest": "/engine-rest", "rest": "/rest"}


@dataclass(frozen=True)
class RestContext:
    engine: Engine
    queries: RestQueries
    outlines: Queries
    """The web UI's read models; used for element names (parsed once per definition)."""
    long_polls: LongPolls


def rest() -> RestContext:
    return cast(RestContext, current_app.extensions[EXTENSION])


def base_url() -> str:
    """This API's root as the client called it (``/engine-rest`` or ``/rest``), for ``links``."""
    prefix = PREFIXES.get((request.blueprint or "engine_rest").split(".")[0], "/engine-rest")
    return request.host_url.rstrip("/") + prefix


def link(path: str, rel: str = "self", method: str = "GET") -> dict[str, str]:
    return {"method": method, "href": base_url() + path, "rel": rel}

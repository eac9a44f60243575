"""The heatmap over ``/api/v1``: per element, completed activity instances and their durations."""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.wrappers import Response

from webui.api import bp
from webui.api.common import arg_int, arg_time
from webui.services import services


@bp.get("/definitions/<key>/heatmap")
def get_heatmap(key: str) -> Response:
    raw = request.args.get("version")
    version = None if raw in (None, "", "all") else arg_int("version", 0)
    since, until = arg_time("since"), arg_time("until")
    return jsonify(services().engine.heatmap(key, version=version, since=since, until=until))

"""An instance as an operator watches it: activity tree, variables per scope, readable history."""

from __future__ import annotations

import threading
from typing import Any

from flask import current_app, jsonify, request
from werkzeug.wrappers import Response

from engine.instance_monitor import DEFAULT_HISTORY_PAGE, MAX_HISTORY_PAGE, InstanceMonitor
from engine.limits import MAX_COUNT
from webui.api import bp
from webui.api.common import arg_int, arg_str
from webui.services import services

_create_lock = threading.Lock()


def monitor() -> InstanceMonitor:
    """The app's one monitor (it caches each definition's model map), made on first use."""
    found = current_app.extensions.get("steadyflow.monitor")
    if found is None:
        with _create_lock:
            found = current_app.extensions.get("steadyflow.monitor")
            if found is None:
                found = InstanceMonitor(services().queries)
                current_app.extensions["steadyflow.monitor"] = found
    assert isinstance(found, InstanceMonitor)
    return found


def history_from_args(instance_id: str) -> dict[str, Any]:
    """A history page for the query string shared by the API and the instance page."""
    before = arg_int("before", 0, minimum=1, maximum=MAX_COUNT) if request.args.get("before") else None
    limit = arg_int("limit", DEFAULT_HISTORY_PAGE, minimum=1, maximum=MAX_HISTORY_PAGE)
    return monitor().history(
        instance_id,
        element_id=arg_str("activity"),
        task_id=arg_str("task"),
        before_seq=before,
        limit=limit,
    )


@bp.get("/instances/<instance_id>/tree")
def get_activity_tree(instance_id: str) -> Response:
    found = monitor().structure(instance_id)
    return jsonify({k: found[k] for k in ("tree", "element_counts", "taken_flows")})


@bp.get("/instances/<instance_id>/scopes")
def get_scopes(instance_id: str) -> Response:
    return jsonify({"items": monitor().structure(instance_id)["scopes"]})


@bp.get("/instances/<instance_id>/history")
def get_history(instance_id: str) -> Response:
    return jsonify(history_from_args(instance_id))

"""User tasks: the open ones, one with its form, claim, unclaim, complete."""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.wrappers import Response

from steadyflow.errors import InvalidInputError
from webui.api import bp
from webui.api.common import json_body
from webui.auth import can, current_user, requires
from webui.input_gate import checked_variables
from webui.services import services


@bp.get("/user-tasks")
def list_user_tasks() -> Response:
    assignee = request.args.get("assignee")
    tasks = services().tasklist.open_tasks(instance_id=request.args.get("instance_id") or None, assignee=assignee)
    return jsonify({"items": tasks})


@bp.get("/user-tasks/<task_id>")
def get_user_task(task_id: str) -> Response:
    return jsonify(services().tasklist.task(task_id))


@bp.post("/user-tasks/<task_id>/claim")
@requires("operator")
def claim(task_id: str) -> Response:
    services().tasklist.claim(task_id, current_user().username, take_over=can("admin"))
    return jsonify(services().tasklist.task(task_id))


@bp.post("/user-tasks/<task_id>/unclaim")
@requires("operator")
def unclaim(task_id: str) -> Response:
    services().tasklist.unclaim(task_id, current_user().username, any_user=can("admin"))
    return jsonify(services().tasklist.task(task_id))


@bp.post("/user-tasks/<task_id>/complete")
@requires("operator")
def complete(task_id: str) -> Response:
    body = json_body(required=False)
    values = body.get("variables", {})
    if not isinstance(values, dict):
        raise InvalidInputError('send {"variables": {"field": value, ...}}')
    values = checked_variables(values)
    result = services().tasklist.complete(task_id, current_user().username, values, any_user=can("admin"))
    return jsonify(result)

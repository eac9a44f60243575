"""The tasklist: open user tasks, claim, and a form generated from the task's fields."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as HttpResponse

from engine.forms import FormValidationError
from steadyflow.errors import ConflictError
from webui.auth import can, current_user, requires
from webui.services import services
from webui.ui import bp


def _json_variables(text: str) -> dict[str, Any]:
    """The free-form variables of a task without form fields."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise FormValidationError({"variables_json": f"is not valid JSON: {exc}"}) from None
    if not isinstance(value, dict):
        raise FormValidationError({"variables_json": 'must be a JSON object like {"approved": true}'})
    return value


@bp.get("/tasks")
def tasks() -> str:
    mine = request.args.get("filter", "all")
    assignee = current_user().username if mine == "mine" else ("" if mine == "unclaimed" else None)
    return render_template("ui/tasks.html", tasks=services().tasklist.open_tasks(assignee=assignee), filter=mine)


@bp.get("/tasks/<task_id>")
def task(task_id: str) -> str:
    return render_template("ui/task.html", t=services().tasklist.task(task_id), errors={}, values={})


@bp.post("/tasks/<task_id>/claim")
@requires("operator")
def claim(task_id: str) -> HttpResponse:
    try:
        services().tasklist.claim(task_id, current_user().username, take_over=can("admin"))
    except ConflictError as exc:
        flash(exc.message, "error")
    return redirect(url_for("ui.task", task_id=task_id))


@bp.post("/tasks/<task_id>/unclaim")
@requires("operator")
def unclaim(task_id: str) -> HttpResponse:
    try:
        services().tasklist.unclaim(task_id, current_user().username, any_user=can("admin"))
    except ConflictError as exc:
        flash(exc.message, "error")
    return redirect(url_for("ui.task", task_id=task_id))


@bp.post("/tasks/<task_id>/complete")
@requires("operator")
def complete(task_id: str) -> HttpResponse:
    t = services().tasklist.task(task_id)
    values: dict[str, Any] = {key: request.form.get(key) for key in request.form if key != "csrf_token"}
    try:
        variables = values if t["fields"] else _json_variables(values.get("variables_json") or "")
        services().tasklist.complete(task_id, current_user().username, variables, any_user=can("admin"))
    except FormValidationError as exc:
        body = render_template("ui/task.html", t=t, errors=exc.field_errors, values=values)
        return Response(body, status=400)
    except ConflictError as exc:
        flash(exc.message, "error")
        return redirect(url_for("ui.task", task_id=task_id))
    flash(f"Completed “{t['name']}”.", "ok")
    return redirect(url_for("ui.tasks"))

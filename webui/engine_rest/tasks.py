"""Camunda 7's user tasks: query and count them, get one, claim, unclaim, set the assignee, complete.

They are the tasklist's open user tasks, with the tasklist's rules: an operator claims and
completes, and only an admin takes over or completes a task someone else holds. Claiming a task
another user holds is refused as Camunda refuses it (``TaskAlreadyClaimedException``), but with
400, not Camunda's 500. ``complete`` sets every variable it is given, as Camunda's does;
``submit-form`` also runs the form's validators on its fields (and sets the other variables too,
as Camunda's form metadata does not restrict what is submitted).
Unknown, completed and cancelled tasks are 404.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from engine.store.records import DefinitionRecord
from engine.tasklist import FormUse
from steadyflow.errors import ConflictError
from webui.auth import can, current_user, requires
from webui.engine_rest import bp, dto
from webui.engine_rest.context import rest
from webui.engine_rest.errors import RestError
from webui.engine_rest.request_input import body_bool, body_str, json_body, page, paging, sorting
from webui.engine_rest.task_filters import SORT_KEYS, task_filter
from webui.engine_rest.task_variables import open_task, tasklist
from webui.engine_rest.typed_values import decode_variables, encode_variables
from webui.input_gate import checked_for_instance


def _matching(body: dict[str, Any] | None) -> list[dict[str, Any]]:
    wanted = task_filter(body)
    if wanted.nothing:
        return []
    definitions: dict[str, DefinitionRecord] = {}
    rows = tasklist().open_tasks(limit=None)
    for row in rows:
        definition_id = row["element_definition_id"]
        if definition_id != row["definition_id"]:  # a called child's task: of the child's process
            if definition_id not in definitions:
                definitions[definition_id] = rest().queries.definition(definition_id)
            row["definition_key"] = definitions[definition_id].key
    return [r for r in rows if wanted.matches(r)]


def _list(body: dict[str, Any] | None) -> Response:
    first, max_results = paging(body)
    sort_by, descending = sorting(set(SORT_KEYS), body)
    rows = _matching(body)
    rows.sort(key=SORT_KEYS[sort_by or "created"], reverse=descending)
    return jsonify([dto.task(r) for r in page(rows, first, max_results)])


@bp.get("/task")
def list_tasks() -> Response:
    return _list(None)


@bp.post("/task")
def query_tasks() -> Response:
    return _list(json_body())


@bp.get("/task/count")
def count_tasks() -> Response:
    return jsonify({"count": len(_matching(None))})


@bp.post("/task/count")
def query_task_count() -> Response:
    return jsonify({"count": len(_matching(json_body()))})


@bp.get("/task/<task_id>")
def get_task(task_id: str) -> Response:
    return jsonify(dto.task(open_task(task_id)))


def _already_claimed(task_id: str, holder: str | None) -> RestError:
    return RestError(
        400, f"Task '{task_id}' is already claimed by someone else ({holder!r})", "TaskAlreadyClaimedException"
    )


@bp.post("/task/<task_id>/claim")
@requires("operator")
def claim_task(task_id: str) -> tuple[str, int]:
    user_id = body_str(json_body(required=True), "userId", required=True)
    assert user_id is not None
    holder = open_task(task_id)["assignee"]
    if holder not in (None, user_id):
        raise _already_claimed(task_id, holder)
    try:
        tasklist().claim(task_id, user_id)
    except ConflictError:  # claimed by someone else since it was read
        raise _already_claimed(task_id, open_task(task_id)["assignee"]) from None
    return "", 204


@bp.post("/task/<task_id>/unclaim")
@requires("operator")
def unclaim_task(task_id: str) -> tuple[str, int]:
    tasklist().unclaim(task_id, current_user().username, any_user=can("admin"))
    return "", 204


@bp.post("/task/<task_id>/assignee")
@requires("operator")
def set_assignee(task_id: str) -> tuple[str, int]:
    """Set (or with ``userId`` null, remove) the assignee; one held by another user only an admin changes."""
    user_id = body_str(json_body(required=True), "userId")
    holder = open_task(task_id)["assignee"]
    if user_id is None:
        tasklist().unclaim(task_id, current_user().username, any_user=can("admin"))
    else:
        tasklist().claim(task_id, user_id, take_over=can("admin") or holder in (None, current_user().username))
    return "", 204


def _complete(task_id: str, form: FormUse) -> Response | tuple[str, int]:
    body = json_body()
    variables = decode_variables(body.get("variables"))
    with_variables = body_bool(body, "withVariablesInReturn")
    instance_id = open_task(task_id)["instance_id"]
    values = checked_for_instance(instance_id, variables)
    tasklist().complete(task_id, current_user().username, values, any_user=can("admin"), form=form)
    if with_variables:
        return jsonify(encode_variables(rest().engine.variables(instance_id)))
    return "", 204


@bp.post("/task/<task_id>/complete")
@requires("operator")
def complete_task(task_id: str) -> Response | tuple[str, int]:
    return _complete(task_id, "ignore")  # Camunda 7: no form validation on complete


@bp.post("/task/<task_id>/submit-form")
@requires("operator")
def submit_task_form(task_id: str) -> Response | tuple[str, int]:
    return _complete(task_id, "validate")  # the form's validators run; other variables are set too

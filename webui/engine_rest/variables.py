"""Process variables in Camunda's typed format: read, modify, and their history."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from engine.rest_queries import InstanceQuery
from webui.auth import requires
from webui.engine_rest import bp
from webui.engine_rest.context import rest
from webui.engine_rest.errors import RestError, bad_request, not_found
from webui.engine_rest.instances import running_row
from webui.engine_rest.request_input import arg_list, arg_str, json_body, page, paging
from webui.engine_rest.typed_values import decode_value, decode_variables, encode_value, encode_variables
from webui.input_gate import checked_for_instance


@bp.get("/process-instance/<instance_id>/variables")
def get_variables(instance_id: str) -> Response:
    running_row(instance_id)
    return jsonify(encode_variables(rest().engine.variables(instance_id)))


@bp.get("/process-instance/<instance_id>/variables/<name>")
def get_variable(instance_id: str, name: str) -> Response:
    running_row(instance_id)
    variables = rest().engine.variables(instance_id)
    if name not in variables:
        raise not_found(f"process instance variable with name {name} does not exist")
    return jsonify(encode_value(variables[name]))


@bp.put("/process-instance/<instance_id>/variables/<name>")
@requires("operator")
def put_variable(instance_id: str, name: str) -> tuple[str, int]:
    running_row(instance_id)
    variables = checked_for_instance(instance_id, {name: decode_value(name, json_body(required=True))})
    rest().engine.set_variables(instance_id, variables)
    return "", 204


@bp.delete("/process-instance/<instance_id>/variables/<name>")
@requires("operator")
def delete_variable(instance_id: str, name: str) -> tuple[str, int]:
    running_row(instance_id)
    raise RestError(
        400,
        f"Cannot delete process instance variable {name}: steadyflow does not remove variables; set it to null instead",
        "BadUserRequestException",
    )


def modification_request() -> tuple[dict[str, Any], list[Any]]:
    """A Camunda 7 modification body (``modifications``, typed values; ``deletions``, names), checked."""
    body = json_body()
    modifications = decode_variables(body.get("modifications"), "modifications")
    deletions = body.get("deletions") or []
    if not isinstance(deletions, list):
        raise bad_request("'deletions' must be a list of variable names")
    return modifications, deletions


@bp.post("/process-instance/<instance_id>/variables")
@requires("operator")
def modify_variables(instance_id: str) -> tuple[str, int]:
    modifications, deletions = modification_request()
    running_row(instance_id)
    if deletions:
        raise RestError(
            400,
            f"Cannot delete process instance variables {deletions}: steadyflow does not remove variables; "
            "set them to null in 'modifications' instead",
            "BadUserRequestException",
        )
    if modifications:
        rest().engine.set_variables(instance_id, checked_for_instance(instance_id, modifications))
    return "", 204


@bp.get("/history/variable-instance")
def history_variables() -> Response:
    """Variables of running and ended instances (each instance's current or final values)."""
    return jsonify(_variable_instances(history=True))


@bp.get("/variable-instance")
def runtime_variables() -> Response:
    """Variables of running instances, each with its scope: the process instance or an activity instance."""
    return jsonify(_variable_instances(history=False))


def _variable_instances(*, history: bool) -> list[dict[str, Any]]:
    """One row per variable and scope: a local one names its activity instance (the task id) as Camunda does."""
    ids = arg_list("processInstanceIdIn") or ((i,) if (i := arg_str("processInstanceId")) else None)
    if ids is None:
        raise bad_request("Filter by processInstanceId or processInstanceIdIn")
    wanted = arg_str("variableName")
    activities = arg_list("activityInstanceIdIn")
    context = rest()
    items: list[dict[str, Any]] = []
    query = InstanceQuery(ids=ids, states=None if history else ("running",))
    for row in context.queries.instances(query, limit=None, offset=0):
        scopes = context.engine.variable_scopes(row["id"])
        for scope_id, variables in [(row["id"], scopes.process), *((s.task_id, s.variables) for s in scopes.local)]:
            if activities is not None and scope_id not in activities:
                continue
            for name, value in variables.items():
                if wanted is not None and name != wanted:
                    continue
                items.append(_variable_instance(row, scope_id, name, value, history=history))
    first, max_results = paging()
    return page(items, first, max_results)


def _variable_instance(row: dict[str, Any], scope_id: str, name: str, value: Any, *, history: bool) -> dict[str, Any]:
    found = {
        "id": f"{scope_id}:{name}",
        "name": name,
        **encode_value(value),
        "processDefinitionId": row["definition_id"],
        "processInstanceId": row["id"],
        "executionId": scope_id,
        "activityInstanceId": scope_id,
        "caseInstanceId": None,
        "caseExecutionId": None,
        "taskId": None,
        "batchId": None,
        "tenantId": None,
        "errorMessage": None,
    }
    if history:
        found.update(processDefinitionKey=row["definition_key"], state="CREATED")
    return found

"""``POST /message``: correlate a message to exactly one waiting instance (or to all), or start one.

As in Camunda 7, correlating without ``all`` needs exactly one target: two
waiting instances (or none, and no process starting with the message) is a 400.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from engine.rest_queries import InstanceQuery
from steadyflow.errors import NotFoundError
from webui.auth import requires
from webui.engine_rest import bp, dto
from webui.engine_rest.context import rest
from webui.engine_rest.errors import RestError
from webui.engine_rest.request_input import body_bool, body_str, json_body
from webui.engine_rest.typed_values import decode_variables, encode_variables

MISMATCH = "MismatchingMessageCorrelationException"


def _targets(name: str, business_key: str | None, instance_id: str | None, keys: dict[str, Any]) -> list[str]:
    """Instance ids waiting for the message, one entry per waiting task, after the correlation keys."""
    context = rest()
    waiting = context.queries.message_waiters(name, business_key=business_key, instance_id=instance_id)
    targets = []
    values: dict[str, dict[str, Any]] = {}
    for waiter in waiting:
        found = waiter["instance_id"]
        if keys:
            if found not in values:
                values[found] = context.engine.variables(found)
            if any(values[found].get(k) != v for k, v in keys.items()):
                continue
        targets.append(str(found))
    return targets


@bp.post("/message")
@requires("operator")
def correlate() -> Response | tuple[str, int]:
    body = json_body(required=True)
    name = body_str(body, "messageName", required=True)
    assert name is not None
    business_key = body_str(body, "businessKey")
    instance_id = body_str(body, "processInstanceId")
    keys = decode_variables(body.get("correlationKeys"), "correlationKeys")
    keys |= decode_variables(body.get("localCorrelationKeys"), "localCorrelationKeys")
    variables = decode_variables(body.get("processVariables"), "processVariables")
    variables |= decode_variables(body.get("processVariablesLocal"), "processVariablesLocal")
    correlate_all = body_bool(body, "all")
    # Every field is read before the correlation: a refusal must leave the engine as it was.
    result_enabled = body_bool(body, "resultEnabled")
    with_variables = body_bool(body, "variablesInResultEnabled")
    targets = _targets(name, business_key, instance_id, keys)
    if not correlate_all and len(targets) > 1:
        raise RestError(
            400,
            f"Cannot correlate message '{name}': message should be correlated to exactly one execution but "
            f"{len(targets)} executions match the correlation keys {sorted(keys)}; narrow it with businessKey, "
            "processInstanceId or correlationKeys, or set all to true",
            MISMATCH,
        )
    try:
        results = rest().engine.correlate(
            name,
            None,
            variables,
            business_key=business_key,
            instance_id=targets[0] if len(targets) == 1 and not correlate_all else instance_id,
            correlation_variables=keys or None,
            all=correlate_all,
            start_instances=not targets,
        )
    except NotFoundError:
        raise RestError(
            400,
            f"Cannot correlate message '{name}': No process definition or execution matches the parameters",
            MISMATCH,
        ) from None
    if not result_enabled:
        return "", 204
    return jsonify([_result(r, with_variables) for r in results])


def _result(result: dict[str, Any], with_variables: bool) -> dict[str, Any]:
    context = rest()
    instance_id = str(result["instance_id"])
    rows = context.queries.instances(InstanceQuery(ids=(instance_id,)), limit=1, offset=0)
    ended = not rows or rows[0]["state"] != "running"
    answer: dict[str, Any] = {
        "resultType": "ProcessDefinition" if result["started"] else "Execution",
        "execution": None,
        "processInstance": None,
    }
    if result["started"] and rows:
        answer["processInstance"] = dto.instance(rows[0])
    else:
        answer["execution"] = {"id": instance_id, "processInstanceId": instance_id, "ended": ended, "tenantId": None}
    if with_variables:
        answer["variables"] = encode_variables(context.engine.variables(instance_id))
    return answer

"""Process instances: create (optionally awaiting completion), get by key, cancel."""

from __future__ import annotations

import time
from typing import Any

from flask import Response, jsonify

from engine.store.records import DefinitionRecord
from engine.store.rest_queries import InstanceQuery
from webui.auth import requires
from webui.camunda8 import bp, dto
from webui.camunda8.context import TENANT, C8Context, c8
from webui.camunda8.problems import C8Problem, bad_request
from webui.camunda8.request_input import flag, json_body, key, names, number, tenant, text, variables

DEFAULT_AWAIT_MS = 10_000
MAX_AWAIT_MS = 600_000
AWAIT_POLL_S = 0.05
FINISHED = ("completed", "cancelled", "failed")


def _definition(context: C8Context, body: dict[str, Any]) -> DefinitionRecord:
    by_key = key(body, "processDefinitionKey")
    process_id = text(body, "processDefinitionId")
    version = number(body, "processDefinitionVersion", minimum=-1, maximum=2**31 - 1)
    if by_key is not None:
        definition_id = context.keys.row(by_key, "definition", "Process definition")
        return context.definition(definition_id)
    if not process_id:
        raise bad_request("Send processDefinitionId (optionally with processDefinitionVersion) or processDefinitionKey")
    record = context.engine.definitions.resolve(process_id, None if version in (None, -1) else version)
    return context.definition(record.id)


def _refuse_instructions(body: dict[str, Any]) -> None:
    for name in ("startInstructions", "runtimeInstructions"):
        value = body.get(name)
        if value not in (None, []):
            raise bad_request(f"{name} are not supported by steadyflow yet: start at the process's start event")


@bp.post("/process-instances")
@requires("operator")
def create_instance() -> Response:
    body = json_body()
    context = c8()
    tenant(body.get("tenantId"))
    _refuse_instructions(body)
    values = variables(body)
    wait = flag(body, "awaitCompletion")
    wanted = names(body, "fetchVariables")
    timeout_ms = number(body, "requestTimeout", minimum=0, maximum=MAX_AWAIT_MS) or DEFAULT_AWAIT_MS
    business = text(body, "businessId")
    text(body, "operationReference")  # accepted and checked; steadyflow keeps no operation references
    definition = _definition(context, body)
    started = context.engine.start(definition.key, values, business_key=business, version=definition.version)
    result: dict[str, Any] = {}
    if wait:
        result = _await(context, started.id, time.monotonic() + timeout_ms / 1000.0, wanted)
    keys = context.keys
    return jsonify(
        {
            "processDefinitionId": definition.key,
            "processDefinitionVersion": definition.version,
            "tenantId": TENANT,
            "variables": result,
            "processDefinitionKey": str(keys.key("definition", definition.id)),
            "processInstanceKey": str(keys.key("instance", started.id)),
            "tags": [],
            "businessId": business,
        }
    )


def _await(context: C8Context, instance_id: str, deadline: float, wanted: list[str] | None) -> dict[str, Any]:
    """Wait until the instance ends; its variables (those wanted) once it completed."""
    while True:
        state = context.engine.instance(instance_id).state
        if state == "completed":
            values = context.engine.variables(instance_id)
            return values if wanted is None else {n: values[n] for n in wanted if n in values}
        if state in FINISHED:
            raise C8Problem(409, f"Process instance {context.keys.key('instance', instance_id)} ended as {state}")
        if time.monotonic() >= deadline:
            raise C8Problem(504, "The process instance did not complete within the request timeout")
        time.sleep(AWAIT_POLL_S)


def instance_json(context: C8Context, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    instance_keys = context.keys.keys("instance", [r["id"] for r in rows])
    definition_keys = context.keys.keys("definition", [r["definition_id"] for r in rows])
    return [dto.instance(r, instance_keys[r["id"]], definition_keys[r["definition_id"]]) for r in rows]


@bp.get("/process-instances/<instance_key>")
@requires("viewer")
def get_instance(instance_key: str) -> Response:
    context = c8()
    instance_id = context.keys.row(instance_key, "instance", "Process instance")
    rows = context.queries.instances(InstanceQuery(ids=(instance_id,)), limit=1, offset=0)
    if not rows:
        raise C8Problem(404, f"Process instance with key '{instance_key}' not found")
    return jsonify(instance_json(context, rows)[0])


@bp.post("/process-instances/<instance_key>/cancellation")
@requires("operator")
def cancel_instance(instance_key: str) -> tuple[str, int]:
    body = json_body(required=False)
    text(body, "operationReference")
    context = c8()
    instance_id = context.keys.row(instance_key, "instance", "Process instance")
    context.engine.cancel(instance_id, reason="cancelled through the Camunda 8 API")
    return "", 204

"""``POST /v2/conditionals/evaluation``: evaluate root-level conditional start events (Camunda 8.9).

The conditions of the root-level conditional start events of every latest
version (or of the definition ``processDefinitionKey`` names) are judged over
``variables`` (required, not empty); one instance starts per event whose
condition holds. As Camunda 8 answers: no conditional start event at all, or
none in that definition, or an older version's key (whose subscriptions the
newer version replaced) is an empty ``processInstances`` list, and an unknown
key a 404. Unlike Camunda 8, which skips a condition it cannot evaluate, such a
condition is a 400 naming process and event, and nothing starts.
"""

from __future__ import annotations

import uuid

from flask import Response, jsonify

from engine.condition_evaluation import ConditionalStartResult
from steadyflow.errors import NoConditionalStartError, NotFoundError
from webui.auth import requires
from webui.camunda8 import bp
from webui.camunda8.context import TENANT, C8Context, c8
from webui.camunda8.problems import C8Problem, bad_request
from webui.camunda8.request_input import json_body, key, tenant, variables


def _definition_id(context: C8Context, definition_key: str | None) -> tuple[str | None, bool]:
    """The definition the key names (None: every process), and whether it still subscribes (is the latest)."""
    if definition_key is None:
        return None, True
    try:
        definition_id = context.keys.row(definition_key, "definition", "Process definition")
    except NotFoundError:
        raise C8Problem(
            404,
            f"Expected to evaluate conditional for process definition key '{definition_key}', "
            "but no such process was found.",
        ) from None
    definition = context.definition(definition_id)
    latest = context.engine.definitions.resolve(definition.key)
    return definition_id, latest.id == definition.id


@bp.post("/conditionals/evaluation")
@requires("operator")
def evaluate_conditionals() -> Response:
    body = json_body()
    tenant(body.get("tenantId"))
    values = variables(body)
    if not values:
        raise bad_request("No variables provided")
    context = c8()
    definition_id, subscribes = _definition_id(context, key(body, "processDefinitionKey"))
    started: list[ConditionalStartResult] = []
    if subscribes:
        try:
            started = context.engine.evaluate_start_conditions(values, definition_id=definition_id)
        except NoConditionalStartError:
            started = []
    keys = context.keys
    instance_keys = keys.keys("instance", [r.instance.id for r in started])
    definition_keys = keys.keys("definition", [r.instance.definition_id for r in started])
    return jsonify(
        {
            "conditionalEvaluationKey": str(keys.key("conditional", str(uuid.uuid4()))),
            "tenantId": TENANT,
            "processInstances": [
                {
                    "processDefinitionKey": str(definition_keys[r.instance.definition_id]),
                    "processInstanceKey": str(instance_keys[r.instance.id]),
                }
                for r in started
            ],
        }
    )

"""``POST /condition``: start an instance per process conditional start event whose condition holds.

Camunda 7's condition evaluation (``ConditionEvaluationBuilder#evaluateStartConditions``):
the conditions of every latest version's conditional start events, or of the
definition ``processDefinitionId`` names, are judged over ``variables``; the
answer lists the instances started (empty when no condition held). Camunda's
own errors when there is nothing to judge (ENGINE-13043 when no process has a
conditional start event, ENGINE-13042 when the named definition has none)
come as 400s here (Camunda 7 answers them with a 500). steadyflow has no tenants: every
definition belongs to every tenant, as on the tenant start path.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Response, jsonify

from steadyflow.errors import NoConditionalStartError, NotFoundError
from webui.auth import requires
from webui.engine_rest import bp, dto
from webui.engine_rest.context import rest
from webui.engine_rest.errors import RestError, bad_request
from webui.engine_rest.request_input import body_bool, body_str, json_body
from webui.engine_rest.typed_values import decode_variables

NO_SUBSCRIPTIONS = "ENGINE-13043 No subscriptions were found during evaluation of the conditional start events."


@bp.post("/condition")
@requires("operator")
def evaluate_condition() -> Response:
    body = json_body()
    # Every field is read before the evaluation: a refusal must leave the engine as it was.
    tenant_id = body_str(body, "tenantId")
    if tenant_id is not None and body_bool(body, "withoutTenantId"):
        raise bad_request("Parameter 'tenantId' cannot be used together with parameter 'withoutTenantId'.")
    variables = decode_variables(body.get("variables"))
    business_key = body_str(body, "businessKey")
    definition_id = body_str(body, "processDefinitionId")
    try:
        started = rest().engine.evaluate_start_conditions(
            variables, business_key=business_key, definition_id=definition_id
        )
    except NoConditionalStartError as none:
        if none.definition_id is None:
            raise RestError(400, NO_SUBSCRIPTIONS, "ProcessEngineException") from None
        raise RestError(
            400,
            f"ENGINE-13042 Process definition with id '{none.definition_id}' does not declare conditional start event.",
            "ProcessEngineException",
        ) from None
    except NotFoundError:
        raise RestError(404, f"no deployed process definition found with id '{definition_id}'") from None
    return jsonify([dto.instance(asdict(result.instance)) for result in started])

"""Camunda 7 decision definitions: list, get by key, XML, and ``/evaluate`` with typed variables."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from dmn import plain
from engine.store.decisions import DecisionDefinitionRecord
from webui.auth import requires
from webui.engine_rest import bp
from webui.engine_rest.context import rest
from webui.engine_rest.request_input import json_body
from webui.engine_rest.typed_values import decode_variables, encode_value


def decision_definition(record: DecisionDefinitionRecord, resource: str | None = None) -> dict[str, Any]:
    return {
        "id": record.id,
        "key": record.key,
        "category": "http://camunda.org/schema/1.0/dmn",
        "name": record.name,
        "version": record.version,
        "resource": resource,
        "deploymentId": record.deployment_id,
        "decisionRequirementsDefinitionId": None,
        "decisionRequirementsDefinitionKey": record.drg_id,
        "tenantId": None,
        "versionTag": None,
        "historyTimeToLive": None,
    }


@bp.get("/decision-definition")
def list_decision_definitions() -> Response:
    rows = rest().engine.decisions.latest_of_each()
    return jsonify([decision_definition(record) for record, _ in rows])


@bp.get("/decision-definition/count")
def count_decision_definitions() -> Response:
    return jsonify({"count": len(rest().engine.decisions.latest_of_each())})


@bp.get("/decision-definition/key/<key>")
def get_decision_definition(key: str) -> Response:
    record, _, filename = rest().engine.decisions.definition(key)
    return jsonify(decision_definition(record, filename))


@bp.get("/decision-definition/key/<key>/xml")
def get_decision_definition_xml(key: str) -> Response:
    record, xml, _ = rest().engine.decisions.definition(key)
    return jsonify({"id": record.id, "dmnXml": xml})


@bp.post("/decision-definition/key/<key>/evaluate")
@requires("operator")
def evaluate_decision_by_key(key: str) -> Response:
    """Camunda's answer: one map of typed output values per matched rule (the result list)."""
    body = json_body()
    variables = decode_variables(body.get("variables"))
    _, result, _ = rest().engine.decisions.evaluate(key, variables)
    return jsonify([{name: encode_value(value) for name, value in row.items()} for row in plain(result.results)])

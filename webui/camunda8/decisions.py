"""Camunda 8 decisions: ``POST /v2/decision-definitions/evaluation``, and the deployment entries of DMN files."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, jsonify

from dmn import DecisionResult, plain
from engine.decisions import DeployedDecision
from engine.store.decisions import DecisionDefinitionRecord
from webui.auth import requires
from webui.camunda8 import bp
from webui.camunda8.context import TENANT, c8
from webui.camunda8.problems import bad_request
from webui.camunda8.request_input import json_body, key, text, variables


def deployed_decisions(decisions: list[DeployedDecision], resources: dict[str, str]) -> list[dict[str, Any]]:
    """The ``decisionDefinition`` and (once per file) ``decisionRequirements`` entries of a deployment."""
    records = [d.definition for d in decisions]
    keys = c8().keys.many({"decision": [r.id for r in records], "drg": [r.deployment_id for r in records]})
    entries: list[dict[str, Any]] = []
    seen: set[str] = set()
    for record in records:
        requirements_key = str(keys["drg"][record.deployment_id])
        if record.deployment_id not in seen:
            seen.add(record.deployment_id)
            entries.append(
                {
                    "decisionRequirements": {
                        "decisionRequirementsId": record.drg_id,
                        "decisionRequirementsName": record.drg_id,
                        "version": record.version,
                        "resourceName": resources.get(record.deployment_id, ""),
                        "tenantId": TENANT,
                        "decisionRequirementsKey": requirements_key,
                    }
                }
            )
        entries.append({"decisionDefinition": _definition(record, keys["decision"][record.id], requirements_key)})
    return entries


def _definition(record: DecisionDefinitionRecord, decision_key: int, requirements_key: str) -> dict[str, Any]:
    return {
        "decisionDefinitionId": record.key,
        "name": record.name,
        "version": record.version,
        "decisionRequirementsId": record.drg_id,
        "tenantId": TENANT,
        "decisionDefinitionKey": str(decision_key),
        "decisionRequirementsKey": requirements_key,
    }


@bp.post("/decision-definitions/evaluation")
@requires("operator")
def evaluate_decision() -> Response:
    body = json_body()
    decision_id = text(body, "decisionDefinitionId")
    decision_key = key(body, "decisionDefinitionKey")
    if (decision_id is None) == (decision_key is None):
        raise bad_request("Send exactly one of decisionDefinitionId and decisionDefinitionKey")
    context = c8()
    version = None
    if decision_key is not None:
        row_id = context.keys.row(decision_key, "decision", "decision definition")
        record = context.engine.decisions.by_id(row_id)
        decision_id, version = record.key, record.version
    assert decision_id is not None
    record, result, _ = context.engine.decisions.evaluate(decision_id, variables(body), version)
    keys = context.keys.many({"decision": [record.id], "drg": [record.deployment_id]})
    return jsonify(_evaluation(record, result, keys["decision"][record.id], str(keys["drg"][record.deployment_id])))


def _evaluation(
    record: DecisionDefinitionRecord, result: DecisionResult, decision_key: int, requirements_key: str
) -> dict[str, Any]:
    evaluated = []
    for evaluation in result.evaluations:
        evaluated.append(
            {
                "decisionDefinitionId": evaluation.decision_id,
                "decisionDefinitionName": evaluation.decision_name,
                "decisionDefinitionVersion": record.version,
                "decisionDefinitionType": "DECISION_TABLE"
                if evaluation.kind == "decisionTable"
                else "LITERAL_EXPRESSION",
                "output": json.dumps(plain(evaluation.value)),
                "tenantId": TENANT,
                "evaluatedInputs": [
                    {
                        "inputId": i["id"],
                        "inputName": i["label"] or i["expression"],
                        "inputValue": json.dumps(plain(i["value"])),
                    }
                    for i in evaluation.inputs
                ],
                "matchedRules": [
                    {
                        "ruleId": rule["id"],
                        "ruleIndex": rule["number"],
                        "evaluatedOutputs": [
                            {"outputId": name, "outputName": name, "outputValue": json.dumps(plain(value))}
                            for name, value in row.items()
                        ],
                    }
                    for rule, row in zip(
                        evaluation.matched_rules, _rows(evaluation.results, evaluation.matched_rules), strict=True
                    )
                ],
            }
        )
    return {
        "decisionDefinitionId": record.key,
        "decisionDefinitionKey": str(decision_key),
        "decisionDefinitionName": record.name,
        "decisionDefinitionVersion": record.version,
        "decisionRequirementsId": record.drg_id,
        "decisionRequirementsKey": requirements_key,
        "output": json.dumps(plain(result.value)),
        "failedDecisionDefinitionId": "",
        "failureMessage": "",
        "tenantId": TENANT,
        "evaluatedDecisions": evaluated,
    }


def _rows(results: list[dict[str, Any]], rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One output map per matched rule (an aggregated COLLECT has one result for all its rules)."""
    return results if len(results) == len(rules) else [{} for _ in rules]

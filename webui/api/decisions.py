"""Decisions (DMN): list, one decision's versions and XML, evaluate, and the recorded evaluations."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import jsonify
from werkzeug.wrappers import Response

from dmn import plain
from engine.limits import MAX_COUNT
from steadyflow.errors import InvalidInputError
from webui.api import bp
from webui.api.common import arg_int, json_body
from webui.auth import requires
from webui.input_gate import checked_variables
from webui.services import services


@bp.get("/decision-definitions")
def list_decisions() -> Response:
    rows = services().engine.decisions.latest_of_each()
    return jsonify({"items": [asdict(record) | {"evaluations": count} for record, count in rows]})


@bp.get("/decision-definitions/<key>")
def get_decision(key: str) -> Response:
    version = arg_int("version", 0) or None
    record, xml, filename = services().engine.decisions.definition(key, version)
    versions = [asdict(v) for v in services().engine.decisions.versions(key)]
    return jsonify(asdict(record) | {"filename": filename, "xml": xml, "versions": versions})


@bp.get("/decision-definitions/<key>/evaluations")
def list_decision_evaluations(key: str) -> Response:
    services().engine.decisions.definition(key)  # 404 for an undeployed decision
    return jsonify({"items": services().engine.decisions.evaluations(key=key)})


@bp.get("/instances/<instance_id>/decision-evaluations")
def list_instance_decision_evaluations(instance_id: str) -> Response:
    services().engine.instance(instance_id)  # 404 for an unknown instance
    return jsonify({"items": services().engine.decisions.evaluations(instance_id=instance_id)})


@bp.post("/decision-definitions/<key>/evaluate")
@requires("operator")
def evaluate_decision(key: str) -> Response:
    body = json_body(required=False)
    version = body.get("version")
    if version is not None and (
        not isinstance(version, int) or isinstance(version, bool) or not 0 < version <= MAX_COUNT
    ):
        raise InvalidInputError(f"'version' must be a whole number from 1 to {MAX_COUNT}")
    variables: Any = body.get("variables", {})
    if not isinstance(variables, dict):
        raise InvalidInputError("'variables' must be an object of name -> value")
    record, result, evaluation_id = services().engine.decisions.evaluate(key, checked_variables(variables), version)
    return jsonify(
        {
            "decision_definition": asdict(record),
            "evaluation_id": evaluation_id,
            "value": plain(result.value),
            "results": plain(result.results),
            "evaluations": [e.as_record() for e in result.evaluations],
        }
    )


_DECISION_EVALUATION = {
    "type": "object",
    "properties": {
        "variables": {"type": "object", "additionalProperties": True},
        "version": {"type": "integer", "minimum": 1, "maximum": MAX_COUNT},
    },
}

OPERATIONS: list[tuple[str, str, str, str, list[tuple[str, str]], dict[str, Any] | None, int]] = [
    ("get", "/decision-definitions", "The latest version of every deployed decision", "viewer", [], None, 200),
    (
        "get",
        "/decision-definitions/{key}",
        "One decision (latest or ?version=N) with its DMN XML and all versions",
        "viewer",
        [("version", "number")],
        None,
        200,
    ),
    (
        "post",
        "/decision-definitions/{key}/evaluate",
        "Evaluate a decision (and the decisions it requires) over variables; the evaluation is recorded",
        "operator",
        [],
        _DECISION_EVALUATION,
        200,
    ),
    (
        "get",
        "/decision-definitions/{key}/evaluations",
        "Recorded evaluations of a decision, newest first: inputs, matched rules, outputs",
        "viewer",
        [],
        None,
        200,
    ),
    (
        "get",
        "/instances/{instance_id}/decision-evaluations",
        "The decisions an instance's business rule tasks evaluated, in order",
        "viewer",
        [],
        None,
        200,
    ),
]

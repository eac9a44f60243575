"""Condition evaluation: start an instance per process conditional start event whose condition holds."""

from __future__ import annotations

from dataclasses import asdict

from flask import jsonify
from werkzeug.wrappers import Response

from steadyflow.errors import InvalidInputError
from webui.api import bp
from webui.api.common import json_body, optional_str
from webui.auth import requires
from webui.input_gate import checked_variables
from webui.services import services


@bp.post("/conditions/evaluate")
@requires("operator")
def evaluate_conditions() -> Response:
    """Judge the conditional start events of every latest version (or of ``definition_id``) over ``variables``.

    404 when there is none to judge; 400, with nothing started, when a condition cannot be evaluated.
    """
    body = json_body()
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise InvalidInputError(f"'variables' must be an object of name -> value, not {type(variables).__name__}")
    values = checked_variables(variables or {})
    business_key = optional_str(body, "business_key")
    definition_id = optional_str(body, "definition_id")
    started = services().engine.evaluate_start_conditions(
        values, business_key=business_key, definition_id=definition_id
    )
    return jsonify({"started": [asdict(r.instance) | {"frame": None, "element_id": r.element_id} for r in started]})

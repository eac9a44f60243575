"""Instance modification over ``/api/v1``: cancel, start before / after, move tokens, one step per request."""

from __future__ import annotations

from flask import jsonify
from werkzeug.wrappers import Response

from engine.modification import parse_instructions
from webui.api import bp
from webui.api.common import json_body, optional_str
from webui.auth import requires
from webui.input_gate import checked_for_instance
from webui.services import services


@bp.post("/instances/<instance_id>/modification")
@requires("operator")
def modify_instance(instance_id: str) -> Response:
    body = json_body()
    s = services()
    s.engine.instance(instance_id)  # an unknown instance is a 404 before its instructions are read
    instructions = parse_instructions(body.get("instructions"))
    for instruction in instructions:
        checked_for_instance(instance_id, instruction.variables)
    done = s.engine.modify(instance_id, instructions, reason=optional_str(body, "reason"))
    return jsonify({"instructions": done, "instance": s.queries.instance_head(instance_id)})

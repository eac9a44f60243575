"""Camunda 7's ``POST /process-instance/{id}/modification``: cancel and start instructions as one step."""

from __future__ import annotations

from typing import Any

from engine.modification import Instruction, check_shape
from webui.auth import requires
from webui.engine_rest import bp
from webui.engine_rest.context import rest
from webui.engine_rest.errors import bad_request
from webui.engine_rest.instances import running_row
from webui.engine_rest.request_input import body_str, json_body
from webui.engine_rest.typed_values import decode_variables
from webui.input_gate import checked_for_instance

KINDS = {"cancel": "cancel", "startBeforeActivity": "startBefore", "startAfterActivity": "startAfter"}


def instruction(raw: Any, number: int) -> Instruction:
    """One Camunda instruction as ours, or a 400 naming it."""
    where = f"instruction {number}"
    if not isinstance(raw, dict):
        raise bad_request(f"{where} must be an object with a 'type'")
    kind = raw.get("type")
    if kind in ("startTransition",) or raw.get("transitionInstanceId") or raw.get("transitionId"):
        raise bad_request(
            f"{where}: steadyflow keeps no transition instances; use startBeforeActivity with the flow's target"
        )
    if kind not in KINDS:
        raise bad_request(f"{where}: 'type' must be one of {', '.join(KINDS)}, not {kind!r}")
    variables = decode_variables(raw.get("variables"), f"{where}.variables")
    found = Instruction(
        KINDS[kind],
        element_id=body_str(raw, "activityId"),
        activity_instance_id=body_str(raw, "activityInstanceId"),
        variables=variables,
    )
    if found.kind != "cancel" and found.activity_instance_id is not None:
        raise bad_request(f"{where} ({kind}) needs 'activityId', the element the token starts at")
    check_shape(found, where)
    return found


@bp.post("/process-instance/<instance_id>/modification")
@requires("operator")
def modify_instance(instance_id: str) -> tuple[str, int]:
    body = json_body(required=True)
    running_row(instance_id)
    raw = body.get("instructions")
    if not isinstance(raw, list) or not raw:
        raise bad_request("'instructions' must be a non-empty list of modification instructions")
    if len(raw) > 100:
        raise bad_request(f"At most 100 instructions per modification, not {len(raw)}")
    instructions = [instruction(item, number) for number, item in enumerate(raw, start=1)]
    for item in instructions:
        checked_for_instance(instance_id, item.variables)
    rest().engine.modify(instance_id, instructions, reason=body_str(body, "annotation"))
    return "", 204

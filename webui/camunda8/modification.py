"""Camunda 8's ``POST /v2/process-instances/{key}/modification``: activate, move and terminate as one step."""

from __future__ import annotations

from typing import Any

from engine.modification import Instruction, check_shape
from webui.auth import requires
from webui.camunda8 import bp
from webui.camunda8.context import C8Context, c8
from webui.camunda8.problems import bad_request
from webui.camunda8.request_input import json_body, key, text
from webui.input_gate import checked_for_instance, checked_variables


def _list(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise bad_request(f"{name} must be a list of objects")
    return value


def _variables(item: dict[str, Any], where: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for index, entry in enumerate(_list(item, "variableInstructions")):
        values = entry.get("variables") or {}
        if not isinstance(values, dict):
            raise bad_request(f"{where}.variableInstructions[{index}].variables must be a JSON object")
        merged.update(values)
    return checked_variables(merged, f"{where}.variableInstructions")


def _element_instance(context: C8Context, raw: dict[str, Any], name: str, where: str) -> str | None:
    element_key = key(raw, name, where=f"{where}.")
    return None if element_key is None else context.keys.row(element_key, "element", "Element instance")


def instructions(context: C8Context, body: dict[str, Any]) -> list[Instruction]:
    """The three instruction lists as ours, in Zeebe's order: activations, moves, terminations."""
    out: list[Instruction] = []
    for index, item in enumerate(_list(body, "activateInstructions")):
        where = f"activateInstructions[{index}]"
        element = text(item, "elementId", required=True, where=f"{where}.")
        out.append(Instruction("startBefore", element_id=element, variables=_variables(item, where)))
    for index, item in enumerate(_list(body, "moveInstructions")):
        where = f"moveInstructions[{index}]"
        source = item.get("sourceElementInstruction") or {}
        if not isinstance(source, dict):
            raise bad_request(f"{where}.sourceElementInstruction must be an object")
        out.append(
            Instruction(
                "move",
                element_id=text(source, "sourceElementId", where=f"{where}.sourceElementInstruction."),
                activity_instance_id=_element_instance(context, source, "sourceElementInstanceKey", where),
                target=text(item, "targetElementId", required=True, where=f"{where}."),
                variables=_variables(item, where),
            )
        )
    for index, item in enumerate(_list(body, "terminateInstructions")):
        where = f"terminateInstructions[{index}]"
        out.append(
            Instruction(
                "cancel",
                element_id=text(item, "elementId", where=f"{where}."),
                activity_instance_id=_element_instance(context, item, "elementInstanceKey", where),
            )
        )
    for index, instruction in enumerate(out):
        check_shape(instruction, f"instruction {index + 1}")
    if not out:
        raise bad_request("Send at least one of activateInstructions, moveInstructions or terminateInstructions")
    if len(out) > 100:
        raise bad_request(f"At most 100 instructions per modification, not {len(out)}")
    return out


@bp.post("/process-instances/<instance_key>/modification")
@requires("operator")
def modify_instance(instance_key: str) -> tuple[str, int]:
    body = json_body()
    text(body, "operationReference")  # accepted; steadyflow keeps no operation references
    context = c8()
    instance_id = context.keys.row(instance_key, "instance", "Process instance")
    found = instructions(context, body)
    for instruction in found:
        checked_for_instance(instance_id, instruction.variables)
    context.engine.modify(instance_id, found, reason="modified through the Camunda 8 API")
    return "", 204

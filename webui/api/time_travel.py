"""Time travel over ``/api/v1``: an instance's steps, its state right after one, and rewinding to it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import jsonify
from werkzeug.wrappers import Response

from engine.activity_tree import labels as labels_of
from engine.limits import MAX_COUNT
from steadyflow.errors import InvalidInputError
from webui.api import bp
from webui.api.common import json_body, optional_str
from webui.api.instances import activity_rows
from webui.api.monitor import monitor
from webui.auth import requires
from webui.services import services


def step_number(raw: Any, where: str) -> int:
    """A step number as a client sent it (path text or JSON), or a 400 saying what a step is."""
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise InvalidInputError(f"{where} must be a step number (1 for the first step), not {type(raw).__name__}")
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInputError(f"{where} must be a step number (1 for the first step), not {raw!r}") from None
    if not 1 <= value <= MAX_COUNT:
        raise InvalidInputError(f"{where} must be between 1 and {MAX_COUNT}, not {value}")
    return value


@bp.get("/instances/<instance_id>/steps")
def list_steps(instance_id: str) -> Response:
    return jsonify({"items": services().engine.steps_of(instance_id)})


@bp.get("/instances/<instance_id>/steps/<step>")
def get_step(instance_id: str, step: str) -> Response:
    """The instance right after a step, shaped as the instance page draws it (tree, counts, flows, scopes)."""
    s = services()
    number = step_number(step, "the step in the path")
    past = s.engine.time_travel.past(instance_id, number)
    structure = monitor().structure_at(past)
    scopes = structure["scopes"]
    labels = labels_of(structure["tree"])  # a called child's task is labelled from the child's model
    events = [asdict(e) | {"label": labels.get(e.task_id or "")} for e in past.events]
    return jsonify(
        {
            "step": number,
            "steps": past.steps,
            "at": past.instance.updated_at,
            "instance": asdict(past.instance) | {"frame": None},
            "names": s.queries.outline(past.instance.definition_id).names,
            "tree": structure["tree"],
            "activities": activity_rows(structure["tree"]),
            "element_counts": structure["element_counts"],
            "taken_flows": structure["taken_flows"],
            "variables": scopes[0]["variables"] if scopes else past.variables,
            "scopes": scopes,
            "step_events": [e for e in events if e["seq"] >= past.first_seq],
            "history_length": len(events),
        }
    )


@bp.post("/instances/<instance_id>/rewind")
@requires("operator")
def rewind(instance_id: str) -> Response:
    body = json_body()
    if "step" not in body:
        raise InvalidInputError('send {"step": N}: the step whose state the instance restarts from')
    step = step_number(body["step"], "'step'")
    services().engine.rewind(instance_id, step, reason=optional_str(body, "reason"))
    return jsonify({"instance": services().queries.instance_head(instance_id)})

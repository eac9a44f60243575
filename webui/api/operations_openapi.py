"""The OpenAPI rows of the operator's tools: time travel, rewind, heatmap, modification, migration.

Kept beside ``webui.api.openapi`` (which appends them to its table) so that each feature's
description lives next to the others of its kind.
"""

from __future__ import annotations

from typing import Any

from engine.limits import MAX_COUNT

_STEP = {"type": "integer", "minimum": 1, "maximum": MAX_COUNT}
_INSTRUCTION = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": ["cancel", "startBefore", "startAfter", "move"]},
        "elementId": {"type": "string", "description": "cancel/move: whose tokens go; start: where one starts"},
        "activityInstanceId": {"type": "string", "description": "cancel/move: one activity instance instead"},
        "targetElementId": {"type": "string", "description": "move: where the token goes"},
        "variables": {"type": "object", "additionalProperties": True},
    },
    "required": ["type"],
}

_MIGRATION = {
    "type": "object",
    "properties": {
        "source_definition_id": {"type": "string", "minLength": 1},
        "target_definition_id": {"type": "string", "minLength": 1},
        "mapping": {"type": "object", "additionalProperties": {"type": "string"}},
        "instance_ids": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1, "maxItems": 1000},
        "all_running": {"type": "boolean"},
    },
    "required": ["source_definition_id", "target_definition_id"],
}

OPERATIONS: list[tuple[str, str, str, str, list[tuple[str, str]], dict[str, Any] | None, int]] = [
    (
        "get",
        "/instances/{instance_id}/steps",
        "Every recorded step: number, time, state left, and the history events it wrote",
        "viewer",
        [],
        None,
        200,
    ),
    (
        "get",
        "/instances/{instance_id}/steps/{step}",
        "The instance as it was right after a step: activities, element counts, variables, incidents",
        "viewer",
        [],
        None,
        200,
    ),
    (
        "post",
        "/instances/{instance_id}/rewind",
        "Restart the instance from the state it had right after a step (a new step; history is kept)",
        "operator",
        [],
        {
            "type": "object",
            "properties": {"step": _STEP, "reason": {"type": "string"}},
            "required": ["step"],
        },
        200,
    ),
    (
        "post",
        "/instances/{instance_id}/modification",
        "Cancel, start before/after or move tokens, as one step; a bad instruction refuses all of them",
        "operator",
        [],
        {
            "type": "object",
            "properties": {
                "instructions": {"type": "array", "items": _INSTRUCTION, "minItems": 1, "maxItems": 100},
                "reason": {"type": "string"},
            },
            "required": ["instructions"],
        },
        200,
    ),
    (
        "get",
        "/definitions/{key}/heatmap",
        "Per element: completed activity instances, average and p95 duration (ms) over a window",
        "viewer",
        [
            ("version", "number or 'all' (default)"),
            ("since", "completed at or after: ISO date/date-time or epoch seconds"),
            ("until", "completed at or before: ISO date/date-time or epoch seconds"),
        ],
        None,
        200,
    ),
    (
        "post",
        "/migrations/plan",
        "A migration plan between two versions: the element mapping (same ids by default), elements without "
        "counterpart, and for given instances why any could not move",
        "operator",
        [],
        _MIGRATION,
        200,
    ),
    (
        "post",
        "/migrations/execute",
        "Migrate named (or all running) instances of the source version, each in its own step",
        "operator",
        [],
        _MIGRATION,
        200,
    ),
]

"""The OpenAPI rows of the operator's tools: time travel, rewind, heatmap, modification, migration.

Kept beside ``webui.api.openapi`` (which appends them to its table) so that each feature's
description lives next to the others of its kind.
"""

from __future__ import annotations

from typing import Any

from engine.limits import MAX_COUNT

_STEP = {"type": "integer", "minimum": 1, "maximum": MAX_COUNT}

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
]

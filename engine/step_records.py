"""What a step keeps besides its rows: the changes that rebuild it later, and the heatmap's counters.

``finish_step`` calls these once the step's rows and history are known. The step state lets time
travel rebuild the instance as it was after this step (``engine.time_travel``); the counters let
the heatmap answer without reading history (``engine.heatmap``).
"""

from __future__ import annotations

import zlib
from typing import Any

from engine.heatmap import SHARDS, completion_stats
from engine.instance_models import CallScopes
from engine.intents import ElementStat, StepState
from engine.spiff.checkpoint import Checkpoint
from engine.spiff.codec import compact_json
from engine.spiff.runtime import ActivityEvent

UPSERT_FIELDS = (
    "id",
    "workflow_id",
    "parent_id",
    "spec_name",
    "element_id",
    "state",
    "last_state_change",
    "triggered",
    "seq",
    "internal",
    "data",
    "depth",
    "kind",
)
"""The order of a recorded task row's values (``TaskRow``'s fields; a test holds the two equal)."""

UNCOUNTED_KINDS = frozenset({"internal", "multi"})
"""A multi-instance body is not counted beside its inner instances; SpiffWorkflow's own tasks never."""


def step_state(
    instance_id: str,
    version: int,
    values: dict[str, Any],
    checkpoint: Checkpoint,
    first_seq: int,
    at: float,
) -> StepState:
    """The step's changes as one ``step_states`` row (``values``: the instance row as the step leaves it).

    Each upserted task row is a JSON array of ``TaskRow``'s fields in declaration order
    (``UPSERT_FIELDS``), half the text of an object per row; rows written before were objects,
    and ``engine.time_travel`` reads both.
    """
    upserts = [
        [
            r.id,
            r.workflow_id,
            r.parent_id,
            r.spec_name,
            r.element_id,
            r.state,
            r.last_state_change,
            r.triggered,
            r.seq,
            r.internal,
            r.data,
            r.depth,
            r.kind,
        ]
        for r in checkpoint.upserts
    ]
    return StepState(
        {
            "instance_id": instance_id,
            "version": version,
            "definition_id": values["definition_id"],
            "at": at,
            "state": values["state"],
            "first_seq": first_seq,
            "last_seq": values["event_seq"],
            "upserts": compact_json(upserts),
            "deletes": compact_json(checkpoint.deletes),
            "frame": checkpoint.frame if checkpoint.frame_changed else None,
        }
    )


def element_stats(
    instance_id: str,
    definition_id: str,
    events: list[ActivityEvent],
    checkpoint: Checkpoint,
    activated_before: dict[str, float],
) -> list[ElementStat]:
    """One counter increment per activity instance the step completed.

    A called child's activity counts on the child's definition (its element ids are the child's),
    as Cockpit counts a called instance's activities on the called process.
    ``activated_before``: task id -> when a task already active before the step entered its state.
    """
    rows = {row.id: row for row in checkpoint.upserts}
    activated = {e.task_id: e.at for e in events if e.type == "ActivityActivated"}
    shard = zlib.crc32(instance_id.encode()) % SHARDS
    stats: list[ElementStat] = []
    scopes: CallScopes | None = None  # the frame is read only when a subprocess's task completed
    for event in events:
        row = rows.get(event.task_id)
        if event.type != "ActivityCompleted" or (row.kind if row else "internal") in UNCOUNTED_KINDS:
            continue
        owner = definition_id
        if row is not None and row.workflow_id:
            scopes = scopes or CallScopes.of(definition_id, checkpoint.frame)
            owner = scopes.definition_of(row.workflow_id)
        began = activated.get(event.task_id, activated_before.get(event.task_id, event.at))
        seconds = max(0.0, event.at - began)
        stats.extend(completion_stats(owner, event.element_id, event.at, seconds, shard))
    return stats

"""Operations on many instances at once (Cockpit's and Operate's batch retry and cancel).

Each instance is its own step, as if the operator had pressed the button on each
one: an instance that cannot take the operation (already ended, nothing to retry,
gone) is reported and the others go on. Nothing is all-or-nothing, like Camunda's
batches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from engine.engine import Engine
from steadyflow.errors import InvalidInputError, SteadyflowError

BatchAction = Literal["retry", "cancel"]
ACTIONS: tuple[BatchAction, ...] = ("retry", "cancel")
MAX_BATCH = 1000
"""Instances one request may name; more is a mistake more often than an intent."""


@dataclass
class BatchResult:
    action: BatchAction
    done: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    """Instance id -> why the operation did not apply to it."""


def check_batch(action: object, instance_ids: object) -> tuple[BatchAction, list[str]]:
    """The action and the distinct instance ids, or a clear error about what is wrong with them."""
    if action not in ACTIONS:
        raise InvalidInputError(f"the batch action must be one of {', '.join(ACTIONS)}, not {action!r}")
    if not isinstance(instance_ids, list) or not all(isinstance(i, str) and i for i in instance_ids):
        raise InvalidInputError("name the instances as a list of instance ids")
    ids = list(dict.fromkeys(instance_ids))
    if not ids:
        raise InvalidInputError("select at least one instance")
    if len(ids) > MAX_BATCH:
        raise InvalidInputError(f"a batch may name at most {MAX_BATCH} instances, not {len(ids)}: split it")
    return action, ids


def run_batch(
    engine: Engine, action: BatchAction, instance_ids: list[str], *, reason: str | None = None
) -> BatchResult:
    result = BatchResult(action)
    for instance_id in instance_ids:
        try:
            if action == "retry":
                engine.retry(instance_id)
            else:
                engine.cancel(instance_id, reason=reason or "cancelled in a batch")
        except SteadyflowError as exc:
            result.refused[instance_id] = exc.message
            continue
        result.done.append(instance_id)
    return result

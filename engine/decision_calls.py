"""Business rule tasks evaluate their DMN decision inside the step, through the step's own reads.

``finish_step`` opens :func:`decisions_in_step` around the engine run; the runner installed on the
engine's script engine (:class:`DecisionRunner`) finds the decision through that step's reads (its
own transaction, never a second connection), evaluates it, and leaves one record per evaluation,
which the step writes as a ``decision_evaluations`` row and a ``DecisionEvaluated`` history event.
A failure raises DecisionEvaluationError (or NotFoundError for an undeployed decision), which the
step turns into an incident on the task.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from bpmn.dialects.decisions import DecisionCall
from bpmn.dialects.templates import evaluate_template
from dmn import evaluate_decision, map_result
from engine.decisions import DecisionRegistry, evaluation_row
from engine.step_reads import StepReads
from steadyflow.errors import InvalidInputError, NotFoundError


@dataclass
class StepDecisions:
    """What the step's decision calls may read, and the evaluation rows they leave."""

    reads: StepReads
    now: float
    rows: list[dict[str, Any]] = field(default_factory=list)
    results: list[Any] = field(default_factory=list)
    """The mapped result of each row, for its history event."""


_current: ContextVar[StepDecisions | None] = ContextVar("steadyflow_step_decisions", default=None)


@contextmanager
def decisions_in_step(reads: StepReads, now: float) -> Iterator[StepDecisions]:
    state = StepDecisions(reads, now)
    token = _current.set(state)
    try:
        yield state
    finally:
        _current.reset(token)


class DecisionRunner:
    """``script_engine.decision_runner``: (task, call, variables) -> the result variable's value."""

    def __init__(self, registry: DecisionRegistry) -> None:
        self.registry = registry

    def __call__(self, task: Any, call: DecisionCall, variables: dict[str, Any]) -> Any:
        step = _current.get()
        if step is None:
            raise NotFoundError(
                f"element '{task.task_spec.bpmn_id}' evaluates a decision outside a step; this is a steadyflow bug"
            )
        key = evaluate_template(call.decision, variables)
        if not isinstance(key, str) or not key:
            raise InvalidInputError(
                f"element '{task.task_spec.bpmn_id}': the decision reference gave {key!r}, not a decision id"
            )
        version = self._version(task, call, variables)
        record = step.reads.decision_definition(key, version)
        if record is None:
            what = f"decision '{key}'" + (f" version {version}" if version is not None else "")
            raise NotFoundError(
                f"{what}, called by element '{task.task_spec.bpmn_id}', is not deployed; "
                "deploy its .dmn file, then retry the incident"
            )
        model = self.registry.model_from(record, lambda: step.reads.deployment_xml(record.deployment_id))
        result = evaluate_decision(model, key, variables)
        value = map_result(result, call.mapping)
        step.rows.append(
            evaluation_row(
                record,
                result,
                step.now,
                instance_id=None,  # set by the step, which knows its instance
                element_id=task.task_spec.bpmn_id,
                task_id=str(task.id),
            )
        )
        step.results.append(value)
        return value

    @staticmethod
    def _version(task: Any, call: DecisionCall, variables: dict[str, Any]) -> int | None:
        if call.binding != "version" or call.version is None:
            return None
        value = evaluate_template(call.version, variables)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise InvalidInputError(
                f"element '{task.task_spec.bpmn_id}': decisionRefVersion gave {value!r}, not a version number"
            ) from None

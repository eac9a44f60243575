"""What a step writes, as typed values: the step computes all of them before any is written.

A step's core (``engine.step_core``) turns (instance state, trigger) into a list
of these; ``engine.writer`` applies the lists of one step, or of a whole batch
of steps, with one statement per table and shape. Nothing here touches the
database, so the core can be tested by looking at the intents it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class BlobWrite:
    """A content-addressed text (task data, job variables); written once, whoever writes it first."""

    hash: str
    text: str


@dataclass(frozen=True, slots=True)
class TaskRowUpsert:
    instance_id: str
    task_id: str
    row: dict[str, Any]
    """The ``tasks`` row, every column."""


@dataclass(frozen=True, slots=True)
class TaskRowDelete:
    instance_id: str
    task_id: str


@dataclass(frozen=True, slots=True)
class JobCreate:
    row: dict[str, Any]
    """The ``jobs`` row, every column."""

    @property
    def job_id(self) -> str:
        return str(self.row["id"])

    @property
    def key(self) -> tuple[str, str]:
        return str(self.row["instance_id"]), str(self.row["task_id"])


@dataclass(frozen=True, slots=True)
class JobUpdate:
    """New values for some columns of one job (a retry scheduled, a lock given back, an incident)."""

    job_id: str
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class JobsOfTaskDelete:
    """The job of a task is over: done, cancelled or interrupted."""

    instance_id: str
    task_id: str


@dataclass(frozen=True, slots=True)
class TimerUpsert:
    instance_id: str
    task_id: str
    element_id: str
    due_at: float


@dataclass(frozen=True, slots=True)
class TimerDelete:
    task_id: str


@dataclass(frozen=True, slots=True)
class TimerRelease:
    """A claimed timer that is not due after all goes back, unlocked, for the next poll."""

    task_id: str


@dataclass(frozen=True, slots=True)
class SubscriptionsReplace:
    """What one waiting task now waits for (messages, signals); replaces its earlier subscriptions.

    ``rows`` empty: the task stopped waiting.
    """

    task_id: str
    rows: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A message or signal a step threw, delivered after the commit."""

    instance_id: str
    kind: str
    name: str
    payload: str
    created_at: float


@dataclass(frozen=True, slots=True)
class IncidentOpen:
    row: dict[str, Any]
    """The ``incidents`` row, every column."""

    @property
    def incident_id(self) -> str:
        return str(self.row["id"])


@dataclass(frozen=True, slots=True)
class IncidentResolve:
    incident_id: str
    resolved_at: float


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """A message id seen once: inserted in the delivery step, so its key decides a race.

    ``first`` is False for the later deliveries of one ``all`` correlation: they
    update the stored result instead of inserting it.
    """

    message_id: str
    name: str
    result: str
    received_at: float
    first: bool = True


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One entry of an instance's history as the step records it (``engine.history`` builds them)."""

    type: str
    element_id: str | None = None
    task_id: str | None = None
    job_id: str | None = None
    data: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """A history event with its place in the instance's history."""

    instance_id: str
    seq: int
    at: float
    event: HistoryEvent


@dataclass(frozen=True, slots=True)
class InstanceInsert:
    """A new instance's row (every column), as its first step finds it; that step's update lands in it."""

    row: dict[str, Any]


@dataclass(frozen=True, slots=True)
class InstanceUpdate:
    """The instance row's new values, written only if the row is still at ``expected_version``."""

    instance_id: str
    expected_version: int
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StepState:
    """What one step changed in the task rows and frame, kept so the instance can be rebuilt as it was."""

    row: dict[str, Any]
    """The ``step_states`` row, every column."""


@dataclass(frozen=True, slots=True)
class ElementStat:
    """Completed activity instances of one element to add to the heatmap's counters."""

    definition_id: str
    element_id: str
    span: str
    """``h`` (hour), ``d`` (day) or ``t`` (all time)."""
    period: int
    bucket: int
    shard: int
    passed: int
    total_s: float

    @property
    def key(self) -> tuple[str, str, str, int, int, int]:
        return self.definition_id, self.element_id, self.span, self.period, self.bucket, self.shard


@dataclass(frozen=True, slots=True)
class DecisionEvaluationInsert:
    """A business rule task's decision evaluation (``decision_evaluations`` row, every column)."""

    row: dict[str, Any]


Intent = (
    BlobWrite
    | TaskRowUpsert
    | TaskRowDelete
    | JobCreate
    | JobUpdate
    | JobsOfTaskDelete
    | TimerUpsert
    | TimerDelete
    | TimerRelease
    | SubscriptionsReplace
    | OutboxEntry
    | IncidentOpen
    | IncidentResolve
    | MessageRecord
    | HistoryRow
    | InstanceInsert
    | InstanceUpdate
    | StepState
    | ElementStat
    | DecisionEvaluationInsert
)
"""Everything a step may write."""


def of_type(intents: list[Intent], kind: type[K]) -> list[K]:
    """The intents of one kind, in order (what tests and the writer look at)."""
    return [i for i in intents if isinstance(i, kind)]

"""Triggers applied to a live workflow, and the facts a step derives from its checkpoint.

Everything here runs under the instance lock, inside one step.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.util.task import TaskState

from bpmn.conditional_events import refresh_conditions
from bpmn.conditional_starts import cancel_scope_except, start_conditional_subprocesses
from bpmn.dialects.definitions import JobDefinition
from bpmn.dialects.templates import evaluate_template, template_source
from bpmn.io_mappings import ElementIo, evaluate_inputs, leave_scope, python_value_of
from bpmn.recursion import recursion_room, workflow_elements
from bpmn.specs import JobTask, MultiInstanceActivity
from engine.spiff.checkpoint import Checkpoint
from engine.spiff.children import called_definition
from engine.spiff.events import (
    Subscription,
    Thrown,
    is_timer_wait,
    signals_thrown_by,
    subscriptions_of,
    timer_element,
    uncaught_messages,
)
from steadyflow.errors import ConflictError, ExpressionEvaluationError, NotFoundError

log = logging.getLogger(__name__)

ACTIVE = (TaskState.READY, TaskState.WAITING, TaskState.STARTED)
PREDICTED = (TaskState.MAYBE, TaskState.LIKELY, TaskState.FUTURE)


@dataclass
class StepFailure:
    """The element a step stopped at, and why: becomes an incident."""

    task_id: str | None
    element_id: str | None
    message: str
    kind: str = "expression"


@dataclass
class ActivityEvent:
    type: str
    element_id: str
    task_id: str
    at: float
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class JobRequest:
    task_id: str
    element_id: str
    type: str
    variables: dict[str, Any]
    headers: dict[str, str]
    definition: JobDefinition
    called_definition_id: str | None = None
    """The called child's definition whose model holds the task (None: the instance's own)."""


@dataclass
class StepFacts:
    """What the step means for jobs, timers, subscriptions and history."""

    events: list[ActivityEvent]
    new_jobs: list[JobRequest]
    ended_job_tasks: list[str]
    timers: dict[str, tuple[str, float]]  # task id -> (element id, due at)
    ended_timer_tasks: list[str]
    failures: list[StepFailure]
    subscriptions: dict[str, tuple[str, list[Subscription]]] = field(default_factory=dict)
    """task id -> (element id, what it waits for); replaces the task's previous subscriptions."""
    ended_subscription_tasks: list[str] = field(default_factory=list)
    thrown: list[Thrown] = field(default_factory=list)


def set_start_variables(workflow: Any, variables: dict[str, Any]) -> None:
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(variables)


CONDITION_ROUNDS = 100
"""At most this many rounds of conditional events firing in one step (each fires only on a change)."""


@dataclass
class PreparedJobs:
    """What starting job tasks asked for in one engine run: job requests, and tasks whose preparation failed."""

    requests: dict[str, JobRequest] = field(default_factory=dict)
    failures: list[StepFailure] = field(default_factory=list)


def run_engine(workflow: Any, prepared: PreparedJobs | None = None) -> StepFailure | None:
    """Advance until everything waits; a failing element stops the run and is reported.

    A job task is prepared as it starts (``prepared`` receives its job request): when its
    input mappings fail, it goes into ERROR like any failing element (other branches go
    on), so retrying the incident runs it again with the variables as they are then, and
    no job exists meanwhile.
    """
    jobs = prepared if prepared is not None else PreparedJobs()

    def prepare(task: Any) -> None:
        if isinstance(task.task_spec, JobTask) and task.state == TaskState.STARTED:
            try:
                jobs.requests[str(task.id)] = job_request(task)
            except JobNotPrepared as exc:
                task.error()
                jobs.failures.append(StepFailure(str(task.id), exc.element_id, exc.reason))
                log.info("job of %s not prepared: %s", exc.element_id, exc.reason)

    try:
        # SpiffWorkflow's task-tree walks recurse as deep as the tree: a long chain needs room.
        with recursion_room(workflow_elements(workflow)):
            workflow.do_engine_steps(did_complete_task=prepare)
            # Variables changed in this step: conditional events waiting on them may fire now.
            for _ in range(CONDITION_ROUNDS):
                if not refresh_conditions(workflow) + start_conditional_subprocesses(workflow):
                    break
                workflow.do_engine_steps(did_complete_task=prepare)
    except Exception as exc:  # noqa: BLE001 - any failure of model evaluation becomes an incident
        task = getattr(exc, "task", None)
        task_id = getattr(exc, "task_id", None) or (str(task.id) if task is not None else None)
        element_id = getattr(exc, "element_id", None) or (
            getattr(task.task_spec, "bpmn_id", None) if task is not None else None
        )
        message = str(getattr(exc, "message", None) or exc).split("\n")[0]
        log.info("step stopped at %s: %s", element_id or "an element", message)
        return StepFailure(task_id, element_id, message, getattr(exc, "incident_kind", "expression"))
    return None


def job_task(workflow: Any, task_id: str) -> Any:
    task = workflow.get_task_from_id(UUID(task_id))
    if task is None or not isinstance(task.task_spec, JobTask):
        raise NotFoundError(f"task {task_id} is not a job task of this instance")
    if task.state != TaskState.STARTED:
        raise ConflictError(
            f"task {task_id} ('{task.task_spec.bpmn_id}') is {TaskState.get_name(task.state)}, not waiting for its job"
        )
    return task


def job_inputs(task: Any) -> dict[str, Any]:
    """The local variables a job's input mappings create (later mappings see earlier ones)."""
    return evaluate_inputs(_job_io(task.task_spec.job), task.data, python_value_of(task))


def _job_io(definition: JobDefinition) -> ElementIo:
    return ElementIo(definition.dialect, definition.inputs, definition.outputs)


def complete_job_task(task: Any, result: dict[str, Any]) -> None:
    """The job's result is its scope's (with its inputs); what reaches the process is decided in one place."""
    definition: JobDefinition = task.task_spec.job
    io = _job_io(definition)
    python = python_value_of(task)
    local = {**task.data, **evaluate_inputs(io, task.data, python), **result}
    task.data = leave_scope(io, task.data, local, python, result_is_local=definition.dialect == "camunda8")
    task.complete()


def throw_bpmn_error(workflow: Any, task: Any, code: str, message: str, variables: dict[str, Any]) -> bool:
    """Route a BPMN error to the nearest error boundary event that catches ``code``."""
    definition = ErrorEventDefinition(code, code=code)
    payload = {**variables, "errorCode": code, "errorMessage": message}
    event = BpmnEvent(definition, payload=payload)
    current = task
    while current is not None:
        catchers = [
            sibling
            for sibling in (current.parent.children if current.parent is not None else [])
            if isinstance(sibling.task_spec, BoundaryEvent)
            and isinstance(sibling.task_spec.event_definition, ErrorEventDefinition)
            and sibling.task_spec.catches(sibling, event)
        ]
        if catchers:
            catcher = catchers[0]
            caught_by = catcher.task_spec.event_definition
            named = {
                getattr(caught_by, "code_variable", None): code,
                getattr(caught_by, "message_variable", None): message,
            }
            event.payload = {**payload, **{k: v for k, v in named.items() if k}}
            catcher.task_spec.catch(catcher, event)
            catcher.task_spec._update(catcher)
            return True
        current = _enclosing_activity(workflow, current)
    return _start_event_subprocess(workflow, event)


def _enclosing_activity(workflow: Any, task: Any) -> Any:
    """The activity whose boundary events may catch what ``task`` throws next, or None at the top.

    An instance of a multi-instance activity belongs to that activity (its parent task);
    a task inside a subprocess belongs to the subprocess task.
    """
    parent = task.parent
    spec = parent.task_spec if parent is not None else None
    if isinstance(spec, MultiInstanceActivity) and spec.task_spec == task.task_spec.name:
        return parent
    owner_id = getattr(task.workflow, "parent_task_id", None)
    return workflow.get_task_from_id(owner_id) if owner_id is not None else None


def _start_event_subprocess(workflow: Any, event: Any) -> bool:
    """Let an error event subprocess catch ``event``; no other waiting catcher may take it."""
    if not any(
        isinstance(start.event_definition, ErrorEventDefinition) and start.event_definition == event.event_definition
        for name in workflow.spec.start.trigger_specs
        for start in workflow.subprocess_specs[name].bpmn_start_events
    ):
        return False
    manager = workflow.event_manager
    others = dict(manager.tasks)
    before = set(workflow.subprocesses)
    # Boundary events elsewhere in the instance must not see this error: hide them during the catch.
    manager.tasks = {}
    try:
        workflow.catch(event)
    finally:
        manager.tasks = {k: t for k, t in {**others, **manager.tasks}.items() if t.state == TaskState.WAITING}
    for owner_id in set(workflow.subprocesses) - before:
        owner = workflow.get_task_from_id(owner_id)
        starts = workflow.subprocesses[owner_id].spec.bpmn_start_events
        if any(getattr(s, "interrupting", True) for s in starts):
            cancel_scope_except(workflow, owner)
    return True


def fire_due_timers(workflow: Any) -> None:
    workflow.refresh_timers()


def user_task(workflow: Any, task_id: str) -> Any:
    task = workflow.get_task_from_id(UUID(task_id))
    if task is None or not isinstance(task.task_spec, UserTask):
        raise NotFoundError(f"task {task_id} is not a user task of this instance")
    if task.state != TaskState.READY:
        raise ConflictError(f"user task {task_id} is {TaskState.get_name(task.state)}, not open")
    return task


def retry_failed_task(workflow: Any, task_id: str | None) -> None:
    """Make a task that stopped a step runnable again (after its incident is resolved)."""
    if task_id is None:
        return
    task = workflow.get_task_from_id(UUID(task_id))
    if task is None:
        return
    if task.state == TaskState.ERROR:
        task._set_state(TaskState.READY)
    elif task.state in PREDICTED or task.state == TaskState.WAITING:
        task.task_spec._update(task)


def timer_due_at(task: Any) -> float | None:
    if not is_timer_wait(task):
        return None
    value = task.internal_data.get("event_value")
    if isinstance(value, dict):
        value = value.get("next") if value.get("cycles", 0) != 0 else None
    if not isinstance(value, str):
        return None
    try:
        parsed = TimerEventDefinition.get_datetime(value)
    except ValueError:
        return None
    return float(parsed.timestamp())


def derive_facts(
    workflow: Any, checkpoint: Checkpoint, failure: StepFailure | None, prepared: PreparedJobs | None = None
) -> StepFacts:
    """Turn the changed rows of a step into history events, job and timer changes."""
    prepared = prepared or PreparedJobs()
    events: list[ActivityEvent] = []
    new_jobs: list[JobRequest] = []
    ended_jobs: list[str] = []
    timers: dict[str, tuple[str, float]] = {}
    ended_timers: list[str] = []
    failures: list[StepFailure] = ([failure] if failure else []) + prepared.failures
    subscriptions: dict[str, tuple[str, list[Subscription]]] = {}
    ended_subscriptions: list[str] = []
    thrown: list[Thrown] = uncaught_messages(workflow)
    for row, task in zip(checkpoint.upserts, checkpoint.upsert_tasks, strict=True):
        before = checkpoint.previous_states.get(row.id)
        spec = task.task_spec
        element = getattr(spec, "bpmn_id", None)
        if element is not None:
            if isinstance(spec, UnstructuredJoin):
                # Spiff parks one join task per arriving branch and cancels all but the last:
                # history shows the join once, when it fires.
                if row.state == TaskState.COMPLETED and before != TaskState.COMPLETED:
                    events.extend(_activity_events(element, row.id, None, row.state, row.last_state_change))
            else:
                state = TaskState.CANCELLED if row.state == TaskState.COMPLETED and _interrupted(task) else row.state
                events.extend(_activity_events(element, row.id, before, state, row.last_state_change))
        if isinstance(spec, JobTask):
            if row.state == TaskState.STARTED and before != TaskState.STARTED:
                request = _job_request(task, failures, prepared)
                if request is not None:
                    new_jobs.append(request)
            elif before == TaskState.STARTED and row.state != TaskState.STARTED:
                ended_jobs.append(row.id)
        if isinstance(spec, CatchingEvent):
            due = timer_due_at(task) if row.state == TaskState.WAITING else None
            if due is not None:
                timers[row.id] = (timer_element(task) or spec.name, due)
            elif before == TaskState.WAITING:
                ended_timers.append(row.id)
            if row.state == TaskState.WAITING:
                try:
                    waits_for = subscriptions_of(task)
                except Exception as exc:  # noqa: BLE001 - a correlation key that fails becomes an incident
                    failures.append(StepFailure(row.id, element, f"correlation key failed: {exc}"))
                    waits_for = []
                if waits_for:
                    subscriptions[row.id] = (element or spec.name, waits_for)
            elif before == TaskState.WAITING:
                ended_subscriptions.append(row.id)
        if row.state == TaskState.COMPLETED and before != TaskState.COMPLETED:
            thrown.extend(signals_thrown_by(task))
        newly_failed = row.state == TaskState.ERROR and before != TaskState.ERROR
        if newly_failed and not any(f.task_id == row.id for f in failures):
            # Attribute an unlocated failure to the task that went into ERROR.
            failures = [
                StepFailure(row.id, element, f.message, f.kind) if f.task_id is None else f for f in failures
            ] or [StepFailure(row.id, element, "the element failed")]
    ended_jobs.extend(checkpoint.deletes)
    ended_timers.extend(checkpoint.deletes)
    ended_subscriptions.extend(checkpoint.deletes)
    events.sort(key=lambda e: e.at)
    return StepFacts(
        events, new_jobs, ended_jobs, timers, ended_timers, failures, subscriptions, ended_subscriptions, thrown
    )


def _interrupted(task: Any) -> bool:
    """Did an interrupting boundary event of ``task`` fire? Then the activity was cancelled, as Camunda shows it.

    SpiffWorkflow completes a subprocess that reached an error (or escalation) end event
    even when its own boundary event caught that error; nothing else leaves both finished.
    """
    parent = task.parent
    if parent is None or not isinstance(parent.task_spec, BoundaryEventSplit):
        return False
    if isinstance(task.task_spec, BoundaryEvent):
        return False
    return any(
        isinstance(sibling.task_spec, BoundaryEvent)
        and sibling.task_spec.cancel_activity
        and sibling.has_state(TaskState.READY | TaskState.COMPLETED)
        for sibling in parent.children
    )


class JobNotPrepared(ExpressionEvaluationError):
    """A job task's input mappings or job type failed; ``reason`` is the incident's message."""


def job_request(task: Any) -> JobRequest:
    """The job a started job task asks for: its type and variables, with its input mappings applied.

    Raises :class:`JobNotPrepared` when a mapping or the type fails.
    """
    definition: JobDefinition = task.task_spec.job
    element = task.task_spec.bpmn_id
    source = template_source(definition.type)
    try:
        variables = {**task.data, **job_inputs(task)}
    except Exception as exc:
        raise JobNotPrepared(f"input mapping failed: {exc}", "", element_id=element) from exc
    try:
        job_type = evaluate_template(definition.type, task.data)
    except Exception as exc:
        raise JobNotPrepared(f"job type failed: {exc}", source, element_id=element) from exc
    if not isinstance(job_type, str | int) or isinstance(job_type, bool) or not str(job_type).strip():
        shown = "null" if job_type is None else f"a {type(job_type).__name__}"
        raise JobNotPrepared(
            f"the job type of '{element}' is {shown}, not text; set the variables it reads, then retry the incident",
            source,
            element_id=element,
        )
    return JobRequest(
        task_id=str(task.id),
        element_id=task.task_spec.bpmn_id,
        type=str(job_type),
        variables=variables,
        headers=dict(definition.headers),
        definition=definition,
        called_definition_id=called_definition(task),
    )


def _job_request(task: Any, failures: list[StepFailure], prepared: PreparedJobs) -> JobRequest | None:
    """The request prepared as the task started, or (a task started outside the engine run) one made now."""
    found = prepared.requests.get(str(task.id))
    if found is not None:
        return found
    try:
        return job_request(task)
    except JobNotPrepared as exc:
        failures.append(StepFailure(str(task.id), exc.element_id, exc.reason))
        return None


def _activity_events(element: str, task_id: str, before: int | None, after: int, at: float) -> list[ActivityEvent]:
    was_active = before in ACTIVE or before == TaskState.ERROR
    out: list[ActivityEvent] = []
    if after in ACTIVE and not was_active:
        out.append(ActivityEvent("ActivityActivated", element, task_id, at))
    elif after == TaskState.COMPLETED and before != TaskState.COMPLETED:
        if not was_active:
            out.append(ActivityEvent("ActivityActivated", element, task_id, at))
        out.append(ActivityEvent("ActivityCompleted", element, task_id, at))
    elif after == TaskState.CANCELLED and was_active:
        out.append(ActivityEvent("ActivityCancelled", element, task_id, at))
    elif after == TaskState.ERROR and before != TaskState.ERROR:
        out.append(ActivityEvent("ActivityFailed", element, task_id, at))
    return out


def waiting(task: Any) -> bool:
    return bool(task.state == TaskState.WAITING)


def workflow_finished(workflow: Any) -> bool:
    return bool(workflow.is_completed())

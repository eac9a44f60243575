"""Time travel: an instance as it was right after any of its steps, and rewinding it to that state.

Every step records the task rows and frame it changed (``step_states``, written by the step
itself). Folding those changes up to step ``n`` gives exactly the rows the database held after
step ``n``, so the instance is rebuilt there by the same ``restore`` a running step uses: tokens,
completed elements and variables are the ones it had, not a guess from history. Rewinding is one
more step: the live workflow is replaced by the rebuilt one, and the checkpoint writes what differs
from now (jobs of tasks that are gone end, tasks that run again get new jobs). Nothing is erased:
the history keeps every step, and the rewind is a step of its own (``InstanceRewound``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from engine import history
from engine.definitions import DefinitionRegistry
from engine.intents import JobUpdate
from engine.retry_policy import RetryPolicy
from engine.spiff.restore import referenced_hashes, restore
from engine.spiff.runtime import workflow_finished
from engine.spiff.variable_scopes import visible_variables
from engine.step_core import StepContext, resolve_incident
from engine.steps import StepRunner
from engine.store.database import Connection, Database
from engine.store.history_states import StepStateRecord, step_states, step_summaries
from engine.store.records import EventRecord, IncidentRecord, InstanceRecord, TaskRow
from engine.store.store import Store
from engine.views import build_instance_view
from steadyflow.errors import ConflictError, InvalidInputError, NotFoundError

ERROR_STATE = 128
STARTED_STATE = 32


@dataclass
class StepState:
    """The rows and frame the database held right after one step."""

    record: StepStateRecord
    rows: list[TaskRow]
    frame: str


def fold_steps(records: list[StepStateRecord], instance_id: str) -> StepState:
    """Apply the recorded changes in order; the result is the state after the last record."""
    if not records:
        raise NotFoundError(f"instance {instance_id} has no recorded steps to travel to")
    if records[0].version != 1:
        raise ConflictError(
            f"instance {instance_id} started before steps were recorded (its first recorded step is "
            f"{records[0].version}); time travel covers instances started since then"
        )
    rows: dict[str, TaskRow] = {}
    frame = ""
    for record in records:
        for params in json.loads(record.upserts):
            row = TaskRow(*params) if isinstance(params, list) else TaskRow(**params)  # objects: older rows
            rows[row.id] = row
        for task_id in json.loads(record.deletes):
            rows.pop(task_id, None)
        if record.frame is not None:
            frame = record.frame
    return StepState(records[-1], list(rows.values()), frame)


@dataclass
class Past:
    """An instance as it was right after one step."""

    instance: InstanceRecord
    steps: int
    """How many steps the instance has now."""
    rows: list[TaskRow]
    events: list[EventRecord]
    incidents: list[IncidentRecord]
    variables: dict[str, Any]
    first_seq: int
    """The first history event the step wrote (``instance.event_seq`` is its last)."""


class TimeTravel:
    """Steps of an instance, the instance as it was after one, and rewinding to it."""

    def __init__(self, db: Database, store: Store, definitions: DefinitionRegistry, steps: StepRunner) -> None:
        self.db, self.store, self.definitions, self.steps = db, store, definitions, steps

    def _instance(self, conn: Connection, instance_id: str) -> InstanceRecord:
        found = self.store.instance(conn, instance_id)
        if found is None:
            raise NotFoundError(f"process instance {instance_id} does not exist; list them with 'steadyflow instances'")
        return found

    def steps_of(self, instance_id: str) -> list[dict[str, Any]]:
        """Every recorded step: its number, time, the state it left, and the history events it wrote."""
        with self.db.read() as conn:
            self._instance(conn, instance_id)
            summaries = step_summaries(conn, instance_id)
            events = self.store.events(conn, instance_id, limit=1_000_000)
        out = []
        position = 0
        for summary in summaries:
            written = []
            while position < len(events) and events[position].seq <= summary["last_seq"]:
                event = events[position]
                if event.seq >= summary["first_seq"]:
                    written.append({"seq": event.seq, "type": event.type, "elementId": event.element_id})
                position += 1
            out.append(
                {
                    "step": summary["version"],
                    "at": summary["at"],
                    "state": summary["state"],
                    "definitionId": summary["definition_id"],
                    "firstSeq": summary["first_seq"],
                    "lastSeq": summary["last_seq"],
                    "events": written,
                }
            )
        return out

    def _state(self, conn: Connection, instance: InstanceRecord, step: int) -> StepState:
        if step < 1 or step > instance.version:
            raise InvalidInputError(
                f"instance {instance.id} has steps 1 to {instance.version}; step {step} is not one of them"
            )
        return fold_steps(step_states(conn, instance.id, step), instance.id)

    def _rebuilder(self, conn: Connection, state: StepState) -> Callable[[], Any]:
        """A function that rebuilds the workflow of ``state`` afresh each time it is called."""
        definition = self.store.definition(conn, state.record.definition_id)
        if definition is None:
            raise NotFoundError(f"definition {state.record.definition_id} of step {state.record.version} is missing")
        model = self.definitions.model(definition, conn)
        specs = self.definitions.workflow_specs(model, state.frame, conn)  # the children that step had called
        blobs = self.steps.blob_texts(referenced_hashes(state.frame, state.rows), conn)
        engine = self.definitions.script_engine

        def rebuild() -> Any:
            workflow, _ = restore(
                model.spec,
                specs,
                state.frame,
                state.rows,
                blobs.__getitem__,
                script_engine=engine,
                definition_id=definition.id,
            )
            return workflow

        return rebuild

    def past(self, instance_id: str, step: int) -> Past:
        """The instance row, task rows, history and incidents as they were right after ``step``."""
        with self.db.read() as conn:
            instance = self._instance(conn, instance_id)
            state = self._state(conn, instance, step)
            rebuild = self._rebuilder(conn, state)
            events = self.store.events(conn, instance_id, limit=state.record.last_seq)
            incidents = self.store.incidents(conn, instance_id)
        at = state.record.at
        then = [_incident_then(i, at) for i in incidents if i.created_at <= at]
        record = replace(
            instance,
            state=state.record.state,
            version=step,
            event_seq=state.record.last_seq,
            definition_id=state.record.definition_id,
            frame=state.frame,  # which child version each call ran then
            updated_at=at,
            open_incidents=sum(1 for i in then if i.state == "open"),
            ended_at=instance.ended_at if instance.ended_at is not None and instance.ended_at <= at else None,
        )
        return Past(
            record, instance.version, state.rows, events, then, visible_variables(rebuild()), state.record.first_seq
        )

    def at_step(self, instance_id: str, step: int) -> dict[str, Any]:
        """The instance as it was right after ``step``: activities, element counts, variables, incidents."""
        past = self.past(instance_id, step)
        view = build_instance_view(past.instance, past.rows, [], past.incidents, past.events, [], past.variables)
        return {"step": step, "at": past.instance.updated_at, "steps": past.steps, **view.as_dict()}

    def rewind(self, instance_id: str, step: int, reason: str | None = None) -> InstanceRecord:
        """Restart the instance from the state it had right after ``step``, as a new step."""
        with self.db.read() as conn:
            instance = self._instance(conn, instance_id)
            state = self._state(conn, instance, step)
            rebuild = self._rebuilder(conn, state)
        if state.record.definition_id != instance.definition_id:
            raise ConflictError(
                f"step {step} of instance {instance_id} ran on definition {state.record.definition_id}; the instance "
                f"now runs on {instance.definition_id}: migrate it back first, or pick a step since the migration"
            )
        rows = {row.id: row for row in state.rows}

        def trigger(ctx: StepContext) -> InstanceRecord:
            if step >= ctx.instance.version:
                raise ConflictError(f"instance {instance_id} is at step {ctx.instance.version}; pick an earlier step")
            workflow = rebuild()
            if workflow_finished(workflow):
                raise ConflictError(
                    f"step {step} ended instance {instance_id}; rewind to an earlier step to run it again"
                )
            ctx.live.workflow = workflow
            for incident in ctx.reads.open_incidents(instance_id):
                _settle_incident(ctx, incident, rows)
            ctx.final_state = "running"
            ctx.jobs_created = True
            ctx.record(history.instance_rewound(step, reason))
            return ctx.instance

        self.steps.run(instance_id, trigger, what="rewind")
        with self.db.read() as conn:
            return self._instance(conn, instance_id)


def _incident_then(incident: IncidentRecord, at: float) -> IncidentRecord:
    """The incident as it stood at time ``at``."""
    if incident.resolved_at is not None and incident.resolved_at > at:
        return replace(incident, state="open", resolved_at=None)
    return incident


def _settle_incident(ctx: StepContext, incident: IncidentRecord, rows: dict[str, TaskRow]) -> None:
    """An open incident after a rewind: its element runs again, unless the rewound state failed there too."""
    task = rows.get(incident.task_id or "")
    if incident.job_id is None:
        if task is not None and task.state == ERROR_STATE:
            return  # the step we rewound to had this failure: it stays open
        resolve_incident(ctx, incident)
        return
    resolve_incident(ctx, incident)
    job = ctx.reads.job(incident.job_id)
    if job is not None and task is not None and task.state == STARTED_STATE:
        # The job's task waits for it in the rewound state too: the job runs again, with fresh retries.
        retries = RetryPolicy.from_dict(job.retry_policy).maximum_attempts
        values = {"state": "ready", "retries_left": retries, "attempt": 0, "due_at": ctx.now}
        ctx.add(JobUpdate(job.id, {**values, "lock_owner": None, "lock_expires_at": None}))


__all__ = ["Past", "StepState", "TimeTravel", "fold_steps"]

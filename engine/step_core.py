"""The core of a step: (instance state, trigger) -> the intents it writes, computed before any is written.

``StepContext`` is what a trigger sees: the instance row, its live workflow, the
time, and ``reads`` for the few rows a trigger needs besides (a job, the open
incidents). A trigger changes the workflow and adds intents; ``finish_step``
then runs the engine to the next wait and turns what changed into task rows,
jobs, timers, subscriptions, incidents, history and the instance row. Nothing
here holds a connection: ``engine.writer`` writes the result.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from engine import history
from engine.decision_calls import decisions_in_step
from engine.instance_cache import LiveInstance
from engine.intents import (
    BlobWrite,
    DecisionEvaluationInsert,
    HistoryEvent,
    HistoryRow,
    IncidentOpen,
    IncidentResolve,
    InstanceUpdate,
    Intent,
    JobCreate,
    JobsOfTaskDelete,
    JobUpdate,
    OutboxEntry,
    SubscriptionsReplace,
    TaskRowDelete,
    TaskRowUpsert,
    TimerDelete,
    TimerUpsert,
)
from engine.retry_policy import RetryPolicy
from engine.spiff.checkpoint import StepEncoder, capture, start_tracking
from engine.spiff.restore import build_frame
from engine.spiff.runtime import PreparedJobs, StepFacts, StepFailure, derive_facts, run_engine, workflow_finished
from engine.step_reads import StepReads
from engine.step_records import element_stats, step_state
from engine.store.records import IncidentRecord, InstanceRecord, JobRecord
from engine.store.store import task_row_params


class KnownBlobs(Protocol):
    """Blob hashes already stored (they need no write)."""

    def __contains__(self, digest: str, /) -> bool: ...


@dataclass
class StepContext:
    """What a trigger sees and may add to inside one step."""

    reads: StepReads
    instance: InstanceRecord
    live: LiveInstance
    now: float
    intents: list[Intent] = field(default_factory=list)
    """What the step writes: the trigger's own intents first, then those ``finish_step`` derives."""
    events: list[HistoryEvent] = field(default_factory=list)
    """The step's history, in order; numbered into ``HistoryRow`` intents by ``finish_step``."""
    advance: bool = True
    """Run the engine to the next wait after the trigger (off for pure bookkeeping steps)."""
    final_state: str | None = None
    """The state the step leaves the instance in; ``"running"`` reopens an ended one (a rewind)."""
    definition_id: str | None = None
    """Set by a migration: the definition the instance runs on from this step on."""
    resolved_incidents: list[str] = field(default_factory=list)
    failures: list[StepFailure] = field(default_factory=list)
    """Incidents the trigger itself found (a job's output mapping that failed, say)."""
    opened_incidents: int = 0
    finished_jobs: dict[str, str] = field(default_factory=dict)
    """Task id -> job id of jobs the trigger already recorded as done; other jobs the step ends are cancelled."""
    after: InstanceRecord | None = None
    """The instance row as the step leaves it (set by ``finish_step``)."""
    jobs_created: bool = False
    task_rows_written: int = 0
    new_blobs: dict[str, str] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    """When the step began, for the latency histogram (includes waiting for the row lock)."""

    @property
    def workflow(self) -> Any:
        return self.live.workflow

    def finish_job(self, job_id: str, task_id: str) -> None:
        self.finished_jobs[task_id] = job_id

    def record(self, event: HistoryEvent) -> None:
        self.events.append(event)

    def add(self, *intents: Intent) -> None:
        self.intents.extend(intents)


def open_incident(
    ctx: StepContext,
    *,
    task_id: str | None,
    element_id: str | None,
    kind: str,
    message: str,
    details: str | None = None,
    job_id: str | None = None,
) -> str:
    """The one place incidents are opened: the row, its history event, the instance's count."""
    row = {
        "id": str(uuid.uuid4()),
        "instance_id": ctx.instance.id,
        "job_id": job_id,
        "task_id": task_id,
        "element_id": element_id,
        "type": kind,
        "message": message,
        "details": details,
        "state": "open",
        "created_at": ctx.now,
        "resolved_at": None,
    }
    ctx.add(IncidentOpen(row))
    ctx.record(history.incident_raised(row))
    ctx.opened_incidents += 1
    return str(row["id"])


def raise_job_incident(ctx: StepContext, job: JobRecord, kind: str, message: str, details: str | None) -> JobRecord:
    """The job stops (no retries, no lock) until its incident is resolved; returns the job as it is then."""
    values: dict[str, Any] = {
        "state": "incident",
        "retries_left": 0,
        "lock_owner": None,
        "lock_expires_at": None,
        "last_error": message,
        "error_details": details,
    }
    ctx.add(JobUpdate(job.id, values))
    open_incident(
        ctx, task_id=job.task_id, element_id=job.element_id, kind=kind, message=message, details=details, job_id=job.id
    )
    return replace(job, **values)


def resolve_incident(
    ctx: StepContext, incident: IncidentRecord, *, record: bool = True, resolution: str | None = None
) -> None:
    """Close ``incident``; ``resolution`` says how, in the history (for the instance page's past incidents)."""
    ctx.add(IncidentResolve(incident.id, ctx.now))
    ctx.resolved_incidents.append(incident.id)
    if record:
        ctx.record(history.incident_resolved(incident, resolution))


def finish_step(ctx: StepContext, default_retry: RetryPolicy, known_blobs: KnownBlobs) -> list[Intent]:
    """Run the engine to the next wait and derive everything the step writes; returns ``ctx.intents``."""
    with decisions_in_step(ctx.reads, ctx.now) as decisions:
        prepared = PreparedJobs()
        failure: StepFailure | None = run_engine(ctx.workflow, prepared) if ctx.advance else None
    checkpoint = capture(ctx.workflow, ctx.live.persisted, build_frame)
    facts = derive_facts(ctx.workflow, checkpoint, failure, prepared)
    facts.failures.extend(ctx.failures)
    instance = ctx.instance
    new_blobs = {h: d for h, d in checkpoint.blobs.items() if h not in known_blobs}
    ctx.new_blobs.update(new_blobs)
    task_params = [task_row_params(instance.id, r) for r in checkpoint.upserts]
    ctx.add(*(TaskRowUpsert(instance.id, params["id"], params) for params in task_params))
    ctx.add(*(TaskRowDelete(instance.id, task_id) for task_id in checkpoint.deletes))
    ctx.events.extend(history.activity(e) for e in facts.events)
    evaluated = [
        (row, history.decision_evaluated(row, result))
        for row, result in zip(decisions.rows, decisions.results, strict=True)
    ]
    ctx.events.extend(event for _, event in evaluated)
    _jobs(ctx, facts, checkpoint.encoder, default_retry, known_blobs)
    _waits(ctx, facts)
    for f in facts.failures:
        open_incident(ctx, task_id=f.task_id, element_id=f.element_id, kind=f.kind, message=f.message)
    reopened = ctx.final_state == "running"
    final = None if reopened else ctx.final_state
    current = "running" if reopened else instance.state
    state = final or current
    ended_at = None if reopened else instance.ended_at
    if final is None and current == "running" and workflow_finished(ctx.workflow):
        state, ended_at = "completed", ctx.now
        ctx.record(history.instance_completed())
    elif final is not None and ended_at is None:
        ended_at = ctx.now
    ctx.add(*(BlobWrite(h, d) for h, d in ctx.new_blobs.items()))
    rows = [HistoryRow(instance.id, instance.event_seq + i + 1, ctx.now, e) for i, e in enumerate(ctx.events)]
    ctx.add(*rows)
    seq_of = {id(r.event): r.seq for r in rows}
    ctx.add(
        *(
            DecisionEvaluationInsert({**row, "instance_id": instance.id, "event_seq": seq_of[id(e)]})
            for row, e in evaluated
        )
    )
    values: dict[str, Any] = {
        "version": instance.version + 1,
        "event_seq": instance.event_seq + len(rows),
        "state": state,
        "updated_at": ctx.now,
        "ended_at": ended_at,
        "open_incidents": instance.open_incidents + ctx.opened_incidents - len(ctx.resolved_incidents),
    }
    if checkpoint.frame_changed:
        values["frame"] = checkpoint.frame
    definition_id = ctx.definition_id or instance.definition_id
    if definition_id != instance.definition_id:
        values["definition_id"] = definition_id
    ctx.add(InstanceUpdate(instance.id, instance.version, values))
    first_seq = instance.event_seq + 1
    leaves = {**values, "definition_id": definition_id}
    recorded = step_state(instance.id, values["version"], leaves, checkpoint, first_seq, ctx.now)
    ctx.add(recorded)
    before_rows = checkpoint.previous_rows
    activated_before = {
        e.task_id: before_rows[e.task_id].last_state_change
        for e in facts.events
        if e.type == "ActivityCompleted" and e.task_id in before_rows
    }
    ctx.add(*element_stats(instance.id, definition_id, facts.events, checkpoint, activated_before))
    ctx.after = replace(instance, **values)
    # What the step read after its checkpoint (its new jobs' variables) changed nothing: track from here.
    start_tracking(ctx.workflow, checkpoint.after)
    ctx.live.persisted = checkpoint.after
    ctx.live.version = instance.version + 1
    ctx.task_rows_written = len(checkpoint.upserts) + len(checkpoint.deletes)
    ctx.jobs_created = ctx.jobs_created or bool(facts.new_jobs)
    return ctx.intents


def _jobs(
    ctx: StepContext, facts: StepFacts, encoder: StepEncoder, default_retry: RetryPolicy, known: KnownBlobs
) -> None:
    instance = ctx.instance
    others = [task_id for task_id in facts.ended_job_tasks if task_id not in ctx.finished_jobs]
    ctx.events.extend(history.job_cancelled(job_id) for job_id in ctx.reads.job_ids_of_tasks(instance.id, others))
    ctx.add(*(JobsOfTaskDelete(instance.id, task_id) for task_id in facts.ended_job_tasks))
    for request in facts.new_jobs:
        policy = default_retry.with_model(request.definition.retries)
        row = {
            "id": str(uuid.uuid4()),
            "instance_id": instance.id,
            "task_id": request.task_id,
            "element_id": request.element_id,
            "type": request.type,
            "state": "ready",
            "variables": _variables_manifest(ctx, request.variables, encoder, known),
            "headers": json.dumps(request.headers),
            "retry_policy": policy.as_json(),
            "attempt": 0,
            "retries_left": policy.maximum_attempts,
            "due_at": ctx.now,
            "lock_owner": None,
            "lock_expires_at": None,
            "last_error": None,
            "error_details": None,
            "priority": 0,
            "created_at": ctx.now,
            "called_definition_id": request.called_definition_id,
        }
        ctx.add(JobCreate(row))
        ctx.record(history.job_created(row))


def _waits(ctx: StepContext, facts: StepFacts) -> None:
    """Subscriptions, thrown messages and signals, timers."""
    instance = ctx.instance
    for task_id in facts.ended_subscription_tasks:
        ctx.add(SubscriptionsReplace(task_id, ()))
    for task_id, (element, subs) in facts.subscriptions.items():
        rows = tuple(
            {
                "id": f"{task_id}:{index}",
                "task_id": task_id,
                "instance_id": instance.id,
                "element_id": sub.element_id or element,
                "kind": sub.kind,
                "name": sub.name,
                "correlation_key": sub.correlation_key,
                "created_at": ctx.now,
            }
            for index, sub in enumerate(subs)
        )
        ctx.add(SubscriptionsReplace(task_id, rows))
    ctx.add(
        *(OutboxEntry(instance.id, e.kind, e.name, json.dumps(e.payload, default=str), ctx.now) for e in facts.thrown)
    )
    ctx.add(*(TimerDelete(task_id) for task_id in facts.ended_timer_tasks))
    for task_id, (element, due) in facts.timers.items():
        ctx.add(TimerUpsert(instance.id, task_id, element, due))
        ctx.record(history.timer_scheduled(element, task_id, due))


def _variables_manifest(ctx: StepContext, variables: dict[str, Any], encoder: StepEncoder, known: KnownBlobs) -> str:
    """A job keeps its variables as blob hashes: a thousand jobs share one copy of a region list."""
    manifest: dict[str, str] = {}
    blobs: dict[str, str] = {}
    for name, value in variables.items():
        text, digest = encoder.encode(value)
        manifest[name] = digest
        if digest not in known and digest not in ctx.new_blobs:
            blobs[digest] = text
    ctx.new_blobs.update(blobs)
    text = json.dumps(manifest, sort_keys=True)
    return text

"""The one writer of steps: applies the intents of a step, or of a batch of steps, to the store.

Intents are folded per row key as they arrive, so a later step of a batch
builds on an earlier one without a write in between (a job created by one step
and completed by the next is never inserted; an incident opened and resolved
in one batch is inserted resolved). Then each table gets one statement per
shape, in a fixed order: blobs (sorted by hash, so two writers never deadlock
on PostgreSQL), task rows, deletions before insertions, updates, history, the
message ids, and last the instance rows, compare-and-set on their version: if
any moved on meanwhile, the whole transaction must not commit.

The folded state also answers the reads a later step of the batch makes
(``engine.step_reads``): what jobs and incidents exist once the earlier steps
have committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from engine.intents import (
    BlobWrite,
    DecisionEvaluationInsert,
    ElementStat,
    HistoryRow,
    IncidentOpen,
    IncidentResolve,
    InstanceInsert,
    InstanceUpdate,
    Intent,
    JobCreate,
    JobsOfTaskDelete,
    JobUpdate,
    MessageRecord,
    OutboxEntry,
    StepState,
    SubscriptionsReplace,
    TaskRowDelete,
    TaskRowUpsert,
    TimerDelete,
    TimerRelease,
    TimerUpsert,
)
from engine.store.database import Connection
from engine.store.decisions import insert_evaluations as insert_decision_evaluations
from engine.store.history_states import add_element_stats, insert_step_states
from engine.store.store import Store, event_row
from steadyflow.errors import ConcurrentStepError


@dataclass
class PendingWrites:
    """The folded intents of the steps so far, last write per row key."""

    blobs: dict[str, str] = field(default_factory=dict)
    task_upserts: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    task_deletes: dict[tuple[str, str], None] = field(default_factory=dict)
    job_inserts: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Job id -> row of jobs created in this batch (their later updates already folded in)."""
    job_task_deletes: dict[tuple[str, str], None] = field(default_factory=dict)
    """(instance id, task id) whose jobs from before the batch are over."""
    job_updates: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Job id -> new values of jobs from before the batch."""
    timers: dict[str, TimerUpsert | None] = field(default_factory=dict)
    """Task id -> the timer as it is now, None: gone."""
    timer_releases: dict[str, None] = field(default_factory=dict)
    subscriptions: dict[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    incident_inserts: dict[str, dict[str, Any]] = field(default_factory=dict)
    incident_resolves: dict[str, float] = field(default_factory=dict)
    messages: dict[str, MessageRecord] = field(default_factory=dict)
    message_updates: dict[str, MessageRecord] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    instance_inserts: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Instance id -> the row of an instance started in this transaction, its steps' updates folded in."""
    instances: dict[str, InstanceUpdate] = field(default_factory=dict)
    """One update per instance: several steps of one instance in a batch make one compare-and-set."""
    step_states: list[dict[str, Any]] = field(default_factory=list)
    element_stats: dict[tuple[str, str, str, int, int, int], ElementStat] = field(default_factory=dict)
    """Counter increments, summed per row key."""
    decision_evaluations: list[dict[str, Any]] = field(default_factory=list)
    _inserted_jobs_of_task: dict[tuple[str, str], list[str]] = field(default_factory=dict, repr=False)
    """(instance id, task id) -> ids of ``job_inserts`` created for that task (what a task's end drops)."""

    def inserted_jobs_of(self, instance_id: str, task_id: str) -> list[str]:
        """Ids of the jobs created in this batch for the task (in creation order)."""
        return self._inserted_jobs_of_task.get((instance_id, task_id), [])

    def __bool__(self) -> bool:
        return any(bool(v) for v in vars(self).values())

    def add(self, intents: Iterable[Intent]) -> None:
        """Fold a step's intents in, after those of earlier steps."""
        fold = _FOLD
        for intent in intents:
            method = fold.get(type(intent)) or _fold_of_subclass(intent)
            method(self, intent)

    def add_for_reads(self, intents: Iterable[Intent]) -> None:
        """Fold in only what ``engine.step_reads`` looks at (jobs, incidents, message ids): a batch keeps
        such a copy for the later steps of an instance, and they never read its task rows or history."""
        fold = _FOLD_FOR_READS
        for intent in intents:
            method = fold.get(type(intent))
            if method is not None:
                method(self, intent)

    # One method per intent kind, found by the intent's type (a step folds a dozen or two of them).
    def _blob(self, intent: BlobWrite) -> None:
        self.blobs[intent.hash] = intent.text

    def _task_upsert(self, intent: TaskRowUpsert) -> None:
        key = (intent.instance_id, intent.task_id)
        self.task_deletes.pop(key, None)
        self.task_upserts[key] = intent.row

    def _task_delete(self, intent: TaskRowDelete) -> None:
        key = (intent.instance_id, intent.task_id)
        self.task_upserts.pop(key, None)
        self.task_deletes[key] = None

    def _job_create(self, intent: JobCreate) -> None:
        row = dict(intent.row)
        self.job_inserts[intent.job_id] = row
        self._inserted_jobs_of_task.setdefault((row["instance_id"], row["task_id"]), []).append(intent.job_id)

    def _job_update(self, intent: JobUpdate) -> None:
        created = self.job_inserts.get(intent.job_id)
        if created is not None:
            created.update(intent.values)
        else:
            self.job_updates[intent.job_id] = {**self.job_updates.get(intent.job_id, {}), **intent.values}

    def _jobs_of_task_delete(self, intent: JobsOfTaskDelete) -> None:
        key = (intent.instance_id, intent.task_id)
        for job_id in self._inserted_jobs_of_task.pop(key, ()):
            self.job_inserts.pop(job_id, None)
        self.job_task_deletes[key] = None

    def _timer_upsert(self, intent: TimerUpsert) -> None:
        self.timers[intent.task_id] = intent

    def _timer_delete(self, intent: TimerDelete) -> None:
        self.timers[intent.task_id] = None

    def _timer_release(self, intent: TimerRelease) -> None:
        self.timer_releases[intent.task_id] = None

    def _subscriptions(self, intent: SubscriptionsReplace) -> None:
        self.subscriptions[intent.task_id] = intent.rows

    def _outbox(self, intent: OutboxEntry) -> None:
        self.outbox.append(
            {
                "instance_id": intent.instance_id,
                "kind": intent.kind,
                "name": intent.name,
                "payload": intent.payload,
                "created_at": intent.created_at,
            }
        )

    def _incident_open(self, intent: IncidentOpen) -> None:
        self.incident_inserts[intent.incident_id] = dict(intent.row)

    def _incident_resolve(self, intent: IncidentResolve) -> None:
        opened = self.incident_inserts.get(intent.incident_id)
        if opened is not None:
            opened.update(state="resolved", resolved_at=intent.resolved_at)
        else:
            self.incident_resolves[intent.incident_id] = intent.resolved_at

    def _message(self, intent: MessageRecord) -> None:
        inserted = self.messages.get(intent.message_id)
        if intent.first:
            self.messages[intent.message_id] = intent
        elif inserted is not None:  # inserted earlier in this batch: insert the latest result
            self.messages[intent.message_id] = replace(intent, first=True)
        else:
            self.message_updates[intent.message_id] = intent

    def _event(self, intent: HistoryRow) -> None:
        e = intent.event
        self.events.append(
            event_row(
                intent.instance_id,
                intent.seq,
                e.type,
                intent.at,
                element_id=e.element_id,
                task_id=e.task_id,
                job_id=e.job_id,
                data=e.data,
            )
        )

    def _instance_insert(self, intent: InstanceInsert) -> None:
        self.instance_inserts[intent.row["id"]] = dict(intent.row)

    def _instance(self, intent: InstanceUpdate) -> None:
        inserted = self.instance_inserts.get(intent.instance_id)
        if inserted is not None and inserted["version"] == intent.expected_version:
            inserted.update(intent.values)  # nobody else sees the row before the commit: no compare-and-set
            return
        earlier = self.instances.get(intent.instance_id)
        if earlier is None:
            self.instances[intent.instance_id] = intent
        else:  # still compared with the version before the first step, which nobody else could change
            values = {**earlier.values, **intent.values}
            self.instances[intent.instance_id] = InstanceUpdate(intent.instance_id, earlier.expected_version, values)

    def _step_state(self, intent: StepState) -> None:
        self.step_states.append(intent.row)

    def _element_stat(self, intent: ElementStat) -> None:
        key = intent.key
        earlier = self.element_stats.get(key)
        if earlier is not None:
            intent = ElementStat(*key, earlier.passed + intent.passed, earlier.total_s + intent.total_s)
        self.element_stats[key] = intent

    def _decision_evaluation(self, intent: DecisionEvaluationInsert) -> None:
        self.decision_evaluations.append(intent.row)

    def write(self, store: Store, conn: Connection) -> None:
        """Write everything folded so far, one statement per table and shape."""
        store.insert_instances(conn, list(self.instance_inserts.values()))  # first: the other rows name them
        store.insert_blobs(conn, dict(sorted(self.blobs.items())))
        store.upsert_task_rows(conn, list(self.task_upserts.values()))
        store.delete_task_rows(conn, list(self.task_deletes))
        store.delete_jobs_of_tasks(conn, list(self.job_task_deletes))
        store.insert_jobs(conn, list(self.job_inserts.values()))
        store.update_jobs(conn, self.job_updates)
        store.delete_timers(conn, [task_id for task_id, timer in self.timers.items() if timer is None])
        store.upsert_timers(conn, [t for t in self.timers.values() if t is not None])
        store.release_timers(conn, [t for t in self.timer_releases if t not in self.timers])
        store.replace_subscriptions(conn, self.subscriptions)
        store.insert_outbox(conn, self.outbox)
        store.insert_incidents(conn, list(self.incident_inserts.values()))
        store.resolve_incidents_at(conn, self.incident_resolves)
        store.insert_events(conn, self.events)
        insert_step_states(conn, self.step_states)
        insert_decision_evaluations(conn, self.decision_evaluations)
        add_element_stats(conn, [self.element_stats[k] for k in sorted(self.element_stats)])
        store.insert_messages(conn, [_message_row(m) for m in self.messages.values()])
        store.update_message_results(conn, {m.message_id: m.result for m in self.message_updates.values()})
        updates = [(u.instance_id, u.expected_version, u.values) for u in self.instances.values()]
        updated = store.update_instances(conn, updates)
        if updated != len(self.instances):
            raise ConcurrentStepError(
                f"{len(self.instances) - updated} of {len(self.instances)} instances changed during the step"
            )


_FOLD: dict[type, Callable[[PendingWrites, Any], None]] = {
    BlobWrite: PendingWrites._blob,
    TaskRowUpsert: PendingWrites._task_upsert,
    TaskRowDelete: PendingWrites._task_delete,
    JobCreate: PendingWrites._job_create,
    JobUpdate: PendingWrites._job_update,
    JobsOfTaskDelete: PendingWrites._jobs_of_task_delete,
    TimerUpsert: PendingWrites._timer_upsert,
    TimerDelete: PendingWrites._timer_delete,
    TimerRelease: PendingWrites._timer_release,
    SubscriptionsReplace: PendingWrites._subscriptions,
    OutboxEntry: PendingWrites._outbox,
    IncidentOpen: PendingWrites._incident_open,
    IncidentResolve: PendingWrites._incident_resolve,
    MessageRecord: PendingWrites._message,
    HistoryRow: PendingWrites._event,
    InstanceInsert: PendingWrites._instance_insert,
    InstanceUpdate: PendingWrites._instance,
    StepState: PendingWrites._step_state,
    ElementStat: PendingWrites._element_stat,
    DecisionEvaluationInsert: PendingWrites._decision_evaluation,
}
"""Intent type -> the method that folds it (intents are final dataclasses: no subclass to look up)."""


_FOLD_FOR_READS: dict[type, Callable[[PendingWrites, Any], None]] = {
    kind: _FOLD[kind] for kind in (JobCreate, JobUpdate, JobsOfTaskDelete, IncidentOpen, IncidentResolve, MessageRecord)
}


def _fold_of_subclass(intent: Any) -> Callable[[PendingWrites, Any], None]:
    for kind in type(intent).__mro__:
        if kind in _FOLD:
            return _FOLD[kind]
    raise TypeError(f"not a step intent: {intent!r}")


def _message_row(m: MessageRecord) -> dict[str, Any]:
    return {"id": m.message_id, "name": m.name, "result": m.result, "received_at": m.received_at}


def write_intents(store: Store, conn: Connection, intents: Iterable[Intent]) -> PendingWrites:
    """Apply one step's intents in the caller's transaction."""
    pending = PendingWrites()
    pending.add(intents)
    pending.write(store, conn)
    return pending

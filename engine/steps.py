"""One step: lock the instance, apply one trigger, run to the next wait, write it all in one transaction.

Nothing a step does is visible, or acknowledged, before its commit. A step that
fails leaves the database as it was and drops the in-memory workflow, which
the next step reloads from rows.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from engine.blob_memory import BlobMemory
from engine.definitions import DefinitionRegistry
from engine.instance_cache import InstanceCache, LiveInstance
from engine.log_context import log_context
from engine.metrics import StepMetrics
from engine.retry_policy import RetryPolicy
from engine.spiff.checkpoint import StepEncoder, capture
from engine.spiff.restore import build_frame, referenced_hashes, restore
from engine.spiff.runtime import StepFacts, StepFailure, derive_facts, run_engine, workflow_finished
from engine.step_writes import StepWrites
from engine.store.database import Connection
from engine.store.records import InstanceRecord, JobRecord
from engine.store.store import Store, event_row, task_row_params
from steadyflow.errors import ConcurrentStepError, NotFoundError, SteadyflowError, StoreError

T = TypeVar("T")

JOB_ROW_OVERHEAD = 300
"""Bytes of a job row besides its variables (ids, type, policy, times), for the written-bytes estimate."""


@dataclass
class StepContext:
    """What a trigger sees and may add to inside one step."""

    conn: Connection
    instance: InstanceRecord
    live: LiveInstance
    now: float
    events: list[dict[str, Any]] = field(default_factory=list)
    advance: bool = True
    """Run the engine to the next wait after the trigger (off for pure bookkeeping steps)."""
    final_state: str | None = None
    resolved_incidents: list[str] = field(default_factory=list)
    failures: list[StepFailure] = field(default_factory=list)
    """Incidents the trigger itself found (a job's output mapping that failed, say)."""
    opened_incidents: int = 0
    """Incidents the trigger wrote directly (failed jobs); counted into the instance row."""
    finished_jobs: dict[str, str] = field(default_factory=dict)
    """Task id -> job id of jobs the trigger already recorded as done; other jobs the step ends are cancelled."""
    writes: StepWrites = field(default_factory=StepWrites)
    """The rows the step writes in bulk, once it has computed all of them."""
    after: InstanceRecord | None = None
    """The instance row as the step leaves it (set by the checkpoint)."""
    reshaped_jobs: bool = False
    """The step created jobs, or ended jobs other than the one it finished."""
    prefetched_jobs: dict[str, JobRecord] = field(default_factory=dict)
    """Job rows a batch read (and locked) up front; a trigger takes its job from here when present."""
    jobs_created: bool = False
    task_rows_written: int = 0
    bytes_written: int = 0
    started: float = field(default_factory=time.perf_counter)
    """When the step began, for the latency histogram (includes waiting for the row lock)."""
    history: list[dict[str, Any]] = field(default_factory=list)
    """The history events the step wrote; counted into the metrics once it committed."""

    @property
    def workflow(self) -> Any:
        return self.live.workflow

    def finish_job(self, job_id: str, task_id: str) -> None:
        self.finished_jobs[task_id] = job_id

    def record(
        self,
        type_: str,
        *,
        element_id: str | None = None,
        task_id: str | None = None,
        job_id: str | None = None,
        **data: Any,
    ) -> None:
        self.events.append(
            {"type": type_, "element_id": element_id, "task_id": task_id, "job_id": job_id, "data": data or None}
        )


class _StripedLocks:
    """In-process serialisation per instance, so threads do not queue on the database lock."""

    def __init__(self, stripes: int = 256) -> None:
        self._locks = [threading.Lock() for _ in range(stripes)]

    def __call__(self, instance_id: str) -> threading.Lock:
        return self._locks[zlib.crc32(instance_id.encode()) % len(self._locks)]


class StepRunner:
    def __init__(
        self,
        store: Store,
        definitions: DefinitionRegistry,
        cache: InstanceCache,
        default_retry: RetryPolicy,
        on_jobs_created: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.definitions = definitions
        self.cache = cache
        self.default_retry = default_retry
        self.on_jobs_created = on_jobs_created
        self._locks = _StripedLocks()
        self.blobs = BlobMemory()
        self.steps = 0
        self.bytes_written = 0
        self.last_step_task_rows = 0
        """Task rows the last step wrote (upserts + deletes): what 'changed rows only' means."""
        self.metrics = StepMetrics()

    def run(self, instance_id: str, trigger: Callable[[StepContext], T], *, what: str) -> T:
        """Run one step of ``instance_id``; retried while the database is busy or another step won."""
        with self._locks(instance_id), log_context(instance_id=instance_id):
            for _ in range(50):
                try:
                    return self.store.db.retrying(lambda: self._run_once(instance_id, trigger), what=what)
                except ConcurrentStepError:
                    self.cache.evict(instance_id)
            raise StoreError(f"{what} on instance {instance_id} kept conflicting with other steps; try again")

    def _run_once(self, instance_id: str, trigger: Callable[[StepContext], T]) -> T:
        live: LiveInstance | None = None
        try:
            with self.store.db.write() as conn:
                instance = self.store.lock_instance(conn, instance_id)
                if instance is None:
                    raise NotFoundError(
                        f"process instance {instance_id} does not exist; list them with 'steadyflow instances'"
                    )
                live = self.cache.take(instance_id, instance.version) or self._load(conn, instance)
                ctx = StepContext(conn, instance, live, time.time())
                result = trigger(ctx)
                self._checkpoint(ctx)
                ctx.writes.flush(self.store, conn)
            self.cache.put(instance_id, live)
            self._after_commit(ctx)
            return result
        except BaseException:
            self.cache.evict(instance_id)
            raise

    def run_batch(
        self, items: list[tuple[str, Callable[[StepContext], Any]]], *, jobs: Sequence[str] = ()
    ) -> list[SteadyflowError | None]:
        """Run several steps in one transaction (group commit); return each step's refusal, or None.

        The steps' rows are written with one statement per table at the end
        (``StepWrites``); the instance rows, and the rows of ``jobs`` the triggers
        will read, are locked and read up front, in id order, so two batches cannot
        deadlock. Steps of one instance keep their order and build on each other in
        memory. A step that raises one of our errors is refused: the transaction is
        rolled back and the batch replayed without it, so the others commit as if it
        had never been there (refusals are rare: a job cancelled or taken meanwhile).
        Database trouble retries the batch.
        """
        order = sorted(range(len(items)), key=lambda index: items[index][0])
        stripes = sorted({id(self._locks(i)): self._locks(i) for i, _ in items}.items())
        for _, lock in stripes:
            lock.acquire()
        try:
            ordered = [items[index] for index in order]
            refused: dict[int, SteadyflowError] = {}
            for _ in range(50 + len(items)):
                try:
                    self.store.db.retrying(
                        lambda: self._run_batch_once(ordered, jobs, refused), what="record job results"
                    )
                    break
                except _StepRefused as refusal:
                    refused[refusal.index] = refusal.error
                except ConcurrentStepError:
                    continue  # every instance of the batch was evicted; the next try reloads them
            else:
                raise StoreError("recording job results kept conflicting with other steps; try again")
        finally:
            for _, lock in reversed(stripes):
                lock.release()
        in_place: list[SteadyflowError | None] = [None] * len(items)
        for position, index in enumerate(order):
            in_place[index] = refused.get(position)
        return in_place

    def _run_batch_once(
        self,
        items: list[tuple[str, Callable[[StepContext], Any]]],
        job_ids: Sequence[str],
        refused: dict[int, SteadyflowError],
    ) -> None:
        lives: dict[str, LiveInstance] = {}
        done: list[StepContext] = []
        try:
            with self.store.db.write() as conn:
                current = self.store.lock_instances(conn, (i for i, _ in items))
                batch = _Batch(self.store, conn, self.store.lock_jobs(conn, job_ids) if job_ids else {})
                for index, (instance_id, trigger) in enumerate(items):
                    if index in refused:
                        continue
                    batch.before_step_of(instance_id)
                    try:
                        instance = current.get(instance_id)
                        if instance is None:
                            raise NotFoundError(f"process instance {instance_id} does not exist")
                        live = lives.pop(instance_id, None) or self.cache.take(instance_id, instance.version)
                        live = live or self._load(conn, instance)
                        ctx = StepContext(conn, instance, live, time.time(), prefetched_jobs=batch.jobs)
                        with log_context(instance_id=instance_id):
                            trigger(ctx)
                            self._checkpoint(ctx)
                    except SteadyflowError as exc:
                        raise _StepRefused(index, exc) from exc  # leaves the transaction: all of it rolls back
                    assert ctx.after is not None
                    current[instance_id] = ctx.after
                    batch.add(instance_id, ctx)
                    lives[instance_id] = live
                    done.append(ctx)
                batch.flush()
        except BaseException:
            for instance_id, _ in items:
                self.cache.evict(instance_id)
            raise
        for instance_id, live in lives.items():
            self.cache.put(instance_id, live)
        for ctx in done:
            self._after_commit(ctx)

    def run_new(
        self, row: dict[str, Any], make_live: Callable[[], LiveInstance], trigger: Callable[[StepContext], None]
    ) -> InstanceRecord:
        """Insert a new instance and run its first step in the same transaction; return the row it committed.

        Nobody else sees the row before the commit, so it needs no lock, nor reading back.
        """

        def once() -> InstanceRecord:
            live = make_live()  # fresh on every attempt: a failed attempt may have advanced it
            with self.store.db.write() as conn, log_context(instance_id=row["id"]):
                self.store.insert_instance(conn, row)
                instance = InstanceRecord(**{name: row[name] for name in InstanceRecord.__dataclass_fields__})
                ctx = StepContext(conn, instance, live, time.time())
                trigger(ctx)
                self._checkpoint(ctx)
                ctx.writes.flush(self.store, conn)
            self.cache.put(row["id"], live)
            self._after_commit(ctx)
            assert ctx.after is not None
            return ctx.after

        return self.store.db.retrying(once, what="start")

    def _after_commit(self, ctx: StepContext) -> None:
        """Bookkeeping that is only true once the step's transaction committed."""
        self.blobs.committed(ctx.writes.blobs)
        self.steps += 1
        failed = ctx.instance.open_incidents == 0 and ctx.after is not None and ctx.after.open_incidents > 0
        self.metrics.step_committed(ctx.history, time.perf_counter() - ctx.started, failed=failed)
        self.bytes_written += ctx.bytes_written
        self.last_step_task_rows = ctx.task_rows_written
        if ctx.jobs_created and self.on_jobs_created is not None:
            self.on_jobs_created()

    def read(self, instance_id: str, reader: Callable[[Any], T]) -> T:
        """Look at an instance's live workflow without a step: no lock row, no write, no new version."""
        with self._locks(instance_id):

            def load() -> LiveInstance:
                with self.store.db.read() as conn:
                    instance = self.store.instance(conn, instance_id)
                    if instance is None:
                        raise NotFoundError(
                            f"process instance {instance_id} does not exist; list them with 'steadyflow instances'"
                        )
                    return self.cache.take(instance_id, instance.version) or self._load(conn, instance)

            live = self.store.db.retrying(load, what="read an instance")
            try:
                return reader(live.workflow)
            finally:
                self.cache.put(instance_id, live)

    def _load(self, conn: Connection, instance: InstanceRecord) -> LiveInstance:
        definition = self.store.definition(conn, instance.definition_id)
        if definition is None:
            raise NotFoundError(f"definition {instance.definition_id} of instance {instance.id} is missing")
        model = self.definitions.model(definition, conn)
        rows = self.store.task_rows(conn, instance.id)
        blobs = self.blob_texts(referenced_hashes(instance.frame, rows), conn)
        workflow, persisted = restore(
            model.spec,
            model.subprocess_specs,
            instance.frame,
            rows,
            blobs.__getitem__,
            script_engine=self.definitions.script_engine,
        )
        return LiveInstance(workflow, persisted, instance.version)

    def blob_texts(self, hashes: Iterable[str], conn: Connection | None = None) -> dict[str, str]:
        """The texts of these blobs: remembered ones from memory, the others read through ``conn``
        (or a read transaction of their own, only when something is missing)."""
        found, missing = self.blobs.texts(hashes)
        if missing:
            if conn is None:
                with self.store.db.read() as own:
                    fetched = self.store.blobs(own, missing)
            else:
                fetched = self.store.blobs(conn, missing)
            self.blobs.read(fetched)
            found.update(fetched)
        return found

    def _checkpoint(self, ctx: StepContext) -> None:
        failure: StepFailure | None = run_engine(ctx.workflow) if ctx.advance else None
        checkpoint = capture(ctx.workflow, ctx.live.persisted, build_frame)
        facts = derive_facts(ctx.workflow, checkpoint, failure)
        facts.failures.extend(ctx.failures)
        instance, writes = ctx.instance, ctx.writes
        new_blobs = {h: d for h, d in checkpoint.blobs.items() if h not in self.blobs}
        writes.blobs.update(new_blobs)
        writes.task_upserts.update(((instance.id, r.id), task_row_params(instance.id, r)) for r in checkpoint.upserts)
        writes.task_deletes.extend((instance.id, task_id) for task_id in checkpoint.deletes)
        events = list(ctx.events)
        events.extend(
            {"type": e.type, "element_id": e.element_id, "task_id": e.task_id, "job_id": None, "data": e.data or None}
            for e in facts.events
        )
        self._write_jobs(ctx, facts, events, checkpoint.encoder)
        opened = self._open_incidents(ctx, facts, events)
        state = ctx.final_state or instance.state
        ended_at = instance.ended_at
        if ctx.final_state is None and instance.state == "running" and workflow_finished(ctx.workflow):
            state, ended_at = "completed", ctx.now
            events.append(
                {"type": "InstanceCompleted", "element_id": None, "task_id": None, "job_id": None, "data": None}
            )
        elif ctx.final_state is not None and instance.ended_at is None:
            ended_at = ctx.now
        rows = [
            event_row(
                instance.id,
                instance.event_seq + i + 1,
                e["type"],
                ctx.now,
                element_id=e["element_id"],
                task_id=e["task_id"],
                job_id=e["job_id"],
                data=e["data"],
            )
            for i, e in enumerate(events)
        ]
        writes.events.extend(rows)
        values: dict[str, Any] = {
            "version": instance.version + 1,
            "event_seq": instance.event_seq + len(rows),
            "state": state,
            "updated_at": ctx.now,
            "ended_at": ended_at,
            "open_incidents": instance.open_incidents + opened + ctx.opened_incidents - len(ctx.resolved_incidents),
        }
        if checkpoint.frame_changed:
            values["frame"] = checkpoint.frame
        writes.update_instance(instance.id, instance.version, values)
        ctx.after = replace(instance, **values)
        ctx.live.persisted = checkpoint.after
        ctx.live.version = instance.version + 1
        ctx.task_rows_written = len(checkpoint.upserts) + len(checkpoint.deletes)
        ctx.bytes_written += _step_bytes(checkpoint, new_blobs, rows, values)
        ctx.jobs_created = bool(facts.new_jobs)
        ctx.history = events

    def _write_jobs(
        self, ctx: StepContext, facts: StepFacts, events: list[dict[str, Any]], encoder: StepEncoder
    ) -> None:
        conn, instance = ctx.conn, ctx.instance
        others = [task_id for task_id in facts.ended_job_tasks if task_id not in ctx.finished_jobs]
        for job_id in self.store.job_ids_of_tasks(conn, instance.id, others):
            events.append({"type": "JobCancelled", "element_id": None, "task_id": None, "job_id": job_id, "data": None})
        ctx.writes.job_deletes.extend((instance.id, task_id) for task_id in facts.ended_job_tasks)
        ctx.reshaped_jobs = bool(others) or bool(facts.new_jobs)
        rows = []
        for request in facts.new_jobs:
            policy = self.default_retry.with_model(request.definition.retries)
            job_id = str(uuid.uuid4())
            rows.append(
                {
                    "id": job_id,
                    "instance_id": instance.id,
                    "task_id": request.task_id,
                    "element_id": request.element_id,
                    "type": request.type,
                    "state": "ready",
                    "variables": self._variables_manifest(ctx, request.variables, encoder),
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
                }
            )
            events.append(
                {
                    "type": "JobCreated",
                    "element_id": request.element_id,
                    "task_id": request.task_id,
                    "job_id": job_id,
                    "data": {"type": request.type, "retries": policy.maximum_attempts},
                }
            )
        ctx.writes.jobs.extend(rows)
        if facts.subscriptions or facts.ended_subscription_tasks:
            self.store.replace_subscriptions(
                conn, instance.id, facts.subscriptions, facts.ended_subscription_tasks, ctx.now
            )
        if facts.thrown:
            self.store.insert_outbox(
                conn,
                [
                    {
                        "instance_id": instance.id,
                        "kind": e.kind,
                        "name": e.name,
                        "payload": json.dumps(e.payload, default=str),
                        "created_at": ctx.now,
                    }
                    for e in facts.thrown
                ],
            )
        self.store.delete_timers(conn, facts.ended_timer_tasks)
        if facts.timers:
            self.store.upsert_timers(conn, instance.id, facts.timers)
            for task_id, (element, due) in facts.timers.items():
                events.append(
                    {
                        "type": "TimerScheduled",
                        "element_id": element,
                        "task_id": task_id,
                        "job_id": None,
                        "data": {"due_at": due},
                    }
                )

    def _variables_manifest(self, ctx: StepContext, variables: dict[str, Any], encoder: StepEncoder) -> str:
        """A job keeps its variables as blob hashes: a thousand jobs share one copy of a region list."""
        manifest: dict[str, str] = {}
        blobs: dict[str, str] = {}
        for name, value in variables.items():
            text, digest = encoder.encode(value)
            manifest[name] = digest
            if digest not in self.blobs and digest not in ctx.writes.blobs:
                blobs[digest] = text
        ctx.writes.blobs.update(blobs)
        text = json.dumps(manifest, sort_keys=True)
        ctx.bytes_written += sum(len(d) for d in blobs.values()) + len(text) + JOB_ROW_OVERHEAD
        return text

    def _open_incidents(self, ctx: StepContext, facts: StepFacts, events: list[dict[str, Any]]) -> int:
        for failure in facts.failures:
            incident_id = str(uuid.uuid4())
            self.store.insert_incident(
                ctx.conn,
                {
                    "id": incident_id,
                    "instance_id": ctx.instance.id,
                    "job_id": None,
                    "task_id": failure.task_id,
                    "element_id": failure.element_id,
                    "type": failure.kind,
                    "message": failure.message,
                    "details": None,
                    "state": "open",
                    "created_at": ctx.now,
                    "resolved_at": None,
                },
            )
            events.append(
                {
                    "type": "IncidentRaised",
                    "element_id": failure.element_id,
                    "task_id": failure.task_id,
                    "job_id": None,
                    "data": {"incident_id": incident_id, "message": failure.message, "kind": failure.kind},
                }
            )
        return len(facts.failures)


class _StepRefused(Exception):
    """A step of a batch raised ``error``: the batch is rolled back and replayed without it."""

    def __init__(self, index: int, error: SteadyflowError) -> None:
        super().__init__(str(error))
        self.index, self.error = index, error


class _Batch:
    """The writes of a batch's steps so far, and when they must reach the database before the next step."""

    def __init__(self, store: Store, conn: Connection, jobs: dict[str, JobRecord]) -> None:
        self.store, self.conn, self.jobs = store, conn, jobs
        self.pending = StepWrites()
        self.reshaped: set[str] = set()

    def before_step_of(self, instance_id: str) -> None:
        """A step that follows one which created or cancelled jobs of its instance reads those from rows."""
        if instance_id in self.reshaped:
            self.flush()

    def add(self, instance_id: str, ctx: StepContext) -> None:
        self.pending.absorb(ctx.writes)
        if ctx.reshaped_jobs:
            self.reshaped.add(instance_id)

    def flush(self) -> None:
        if self.pending:
            self.pending.flush(self.store, self.conn)
            self.pending = StepWrites()
        self.reshaped.clear()
        self.jobs.clear()  # rows read before these writes may be stale now


def _step_bytes(checkpoint: Any, blobs: dict[str, str], events: list[dict[str, Any]], values: dict[str, Any]) -> int:
    total = sum(len(d) + len(h) for h, d in blobs.items())
    for row in checkpoint.upserts:
        total += len(row.internal) + len(row.data) + len(row.spec_name) + 120
    total += sum(len(str(e.get("data") or "")) + 80 for e in events)
    total += len(values.get("frame", "")) + 60
    return total

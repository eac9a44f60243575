"""One step: lock the instance, apply one trigger, run to the next wait, write it all in one transaction.

Nothing a step does is visible, or acknowledged, before its commit. A step that
fails leaves the database as it was and drops the in-memory workflow, which
the next step reloads from rows.
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from bpmn.clock import engine_clock
from bpmn.expressions.limits import DEFAULT_LIMITS, ExpressionLimits, expression_limits
from engine.blob_memory import BlobMemory
from engine.called_processes import calls_in_step
from engine.definitions import DefinitionRegistry
from engine.instance_cache import InstanceCache, LiveInstance
from engine.intents import InstanceInsert
from engine.log_context import log_context
from engine.metrics import StepMetrics
from engine.retry_policy import RetryPolicy
from engine.spiff.restore import referenced_hashes, restore
from engine.start_commits import StartCommits, StartRequest
from engine.step_core import StepContext, finish_step
from engine.step_followups import StepFollowups
from engine.step_reads import StoreReads
from engine.store.database import Connection, is_database_error
from engine.store.records import InstanceRecord, JobRecord
from engine.store.store import Store
from engine.writer import PendingWrites, write_intents
from steadyflow.errors import ConcurrentStepError, NotFoundError, SteadyflowError, StepFailedError, StoreError

T = TypeVar("T")
log = logging.getLogger(__name__)


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
        limits: ExpressionLimits = DEFAULT_LIMITS,
    ) -> None:
        self.followups = StepFollowups()
        """What committed steps opened or ended, for a listener that runs after them (buffered messages)."""
        self.store = store
        self.expression_limits = limits
        """Every step evaluates its expressions under these (a context variable: other engines keep theirs)."""
        self.definitions = definitions
        self.cache = cache
        self.default_retry = default_retry
        self.on_jobs_created = on_jobs_created
        self._locks = _StripedLocks()
        self.blobs = BlobMemory()
        self.steps = 0
        self.last_step_task_rows = 0
        """Task rows the last step wrote (upserts + deletes): what 'changed rows only' means."""
        self.metrics = StepMetrics()
        self.start_commits: StartCommits[InstanceRecord] = StartCommits(self._start_group, self._start_alone)

    def run(
        self, instance_id: str, trigger: Callable[[StepContext], T], *, what: str, retry_conflicts: bool = False
    ) -> T:
        """Run one step of ``instance_id``; retried while the database is busy or another step won.

        ``retry_conflicts``: a unique key another transaction inserted first (a message id) runs the
        step again, so its trigger sees that row.
        """
        with self.followups.outermost(), self._locks(instance_id), log_context(instance_id=instance_id), self._limits():
            for _ in range(50):
                try:
                    return self.store.db.retrying(
                        lambda: self._run_once(instance_id, trigger), what=what, retry_conflicts=retry_conflicts
                    )
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
                ctx = StepContext(StoreReads(self.store, conn), instance, live, self.definitions.clock.now())
                result = self._step(ctx, trigger)
                write_intents(self.store, conn, ctx.intents)
            self._keep(ctx)
            self._after_commit(ctx)
            return result
        except BaseException:
            self.cache.evict(instance_id)
            raise

    def run_batch(
        self, items: list[tuple[str, Callable[[StepContext], Any]]], *, jobs: Sequence[str] = ()
    ) -> list[SteadyflowError | None]:
        """Run several steps in one transaction (group commit); return each step's refusal, or None.

        The instance rows, and the rows of ``jobs`` the triggers will read, are
        locked and read up front, in id order, so two batches cannot deadlock.
        Every step computes its intents before anything is written; steps of one
        instance keep their order and build on each other (in memory, and through
        reads that see the earlier steps' pending writes). Then ``PendingWrites``
        writes them all, one statement per table and shape. A step that raises,
        one of our errors or anything else, is refused alone: its instance's other
        steps are recomputed without it, and the rest of the batch commits.
        Database trouble retries the batch.
        """
        with self.followups.outermost():
            return self._run_batch(items, jobs)

    def _run_batch(
        self, items: list[tuple[str, Callable[[StepContext], Any]]], jobs: Sequence[str]
    ) -> list[SteadyflowError | None]:
        order = sorted(range(len(items)), key=lambda index: items[index][0])
        stripes = sorted({id(self._locks(i)): self._locks(i) for i, _ in items}.items())
        for _, lock in stripes:
            lock.acquire()
        try:
            ordered = [items[index] for index in order]
            refused: dict[int, SteadyflowError] = {}
            for _ in range(50):
                try:
                    with self._limits():
                        self.store.db.retrying(
                            lambda: self._run_batch_once(ordered, jobs, refused), what="record job results"
                        )
                    break
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
        done: list[StepContext] = []
        try:
            with self.store.db.write() as conn:
                current = self.store.lock_instances(conn, (i for i, _ in items))
                jobs = self.store.lock_jobs(conn, job_ids) if job_ids else {}
                groups: dict[str, list[tuple[int, Callable[[StepContext], Any]]]] = {}
                for index, (instance_id, trigger) in enumerate(items):
                    groups.setdefault(instance_id, []).append((index, trigger))
                for instance_id, group in groups.items():
                    steps = self._run_group(conn, current.get(instance_id), instance_id, group, jobs, refused)
                    done.extend(steps)
                pending = PendingWrites()
                for ctx in done:
                    pending.add(ctx.intents)
                pending.write(self.store, conn)
        except BaseException:
            for instance_id, _ in items:
                self.cache.evict(instance_id)
            raise
        for ctx in done:  # an instance's last step of the batch decides whether its live workflow is kept
            self._keep(ctx)
        for ctx in done:
            self._after_commit(ctx)

    def _run_group(
        self,
        conn: Connection,
        instance: InstanceRecord | None,
        instance_id: str,
        group: list[tuple[int, Callable[[StepContext], Any]]],
        jobs: dict[str, JobRecord],
        refused: dict[int, SteadyflowError],
    ) -> list[StepContext]:
        """The steps of one instance in a batch, in order; one that raises is refused and the others redone."""
        if instance is None:
            for index, _ in group:
                refused[index] = NotFoundError(f"process instance {instance_id} does not exist")
            return []
        while True:
            live = self.cache.take(instance_id, instance.version) or self._load(conn, instance)
            reads = StoreReads(self.store, conn, PendingWrites(), jobs)
            steps: list[StepContext] = []
            before = instance
            failed = False
            last = max((index for index, _ in group if index not in refused), default=None)
            for index, trigger in group:
                if index in refused:
                    continue
                ctx = StepContext(reads, before, live, self.definitions.clock.now())
                try:
                    with log_context(instance_id=instance_id):
                        self._step(ctx, trigger)
                except Exception as exc:
                    if is_database_error(exc):
                        # A read inside the trigger met database trouble: the whole batch is retried or
                        # fails as one; refusing this step for good would turn a hiccup into an incident.
                        raise
                    if isinstance(exc, SteadyflowError):
                        refused[index] = exc
                        failed = True
                        break
                    # one bad step must not sink its batch
                    log.exception("a step of instance %s failed unexpectedly; refusing that step alone", instance_id)
                    refused[index] = StepFailedError(
                        f"the step on instance {instance_id} failed unexpectedly ({type(exc).__name__}: {exc}); "
                        "nothing of it was written, the other results of its batch were"
                    )
                    failed = True
                if failed:
                    break
                if index != last:  # only the instance's later steps in the batch read them
                    reads.pending.add_for_reads(ctx.intents)
                assert ctx.after is not None
                before = ctx.after
                steps.append(ctx)
            if not failed:
                return steps
            self.cache.evict(instance_id)  # the failed trigger may have changed the workflow halfway

    def run_new(
        self,
        row: dict[str, Any],
        make_live: Callable[[], LiveInstance],
        trigger: Callable[[StepContext], None],
        *,
        retry_conflicts: bool = False,
        check: Callable[[Connection], None] | None = None,
    ) -> InstanceRecord:
        """Insert a new instance and run its first step in the same transaction; return the row it committed.

        Nobody else sees the row before the commit, so it needs no lock, nor reading back. Concurrent
        starts share a transaction (``engine.start_commits``); one that may meet a unique key another
        transaction inserted first (``retry_conflicts``: a message id) runs alone.
        """
        request: StartRequest[InstanceRecord] = StartRequest(row, make_live, trigger, check)
        with self.followups.outermost(), self._limits():
            if retry_conflicts:
                return self._start_alone(request, retry_conflicts=True)
            return self.start_commits.start(request)

    def _start_alone(self, request: StartRequest[InstanceRecord], *, retry_conflicts: bool = False) -> InstanceRecord:
        def once() -> InstanceRecord:
            with self.store.db.write() as conn, log_context(instance_id=request.row["id"]):
                if request.check is not None:
                    request.check(conn)
                ctx = self._first_step(conn, request)
                # The row goes in with the first step's values: one INSERT, not an INSERT and an UPDATE.
                write_intents(self.store, conn, [InstanceInsert(request.row), *ctx.intents])
            self._started(ctx)
            assert ctx.after is not None
            return ctx.after

        return self.store.db.retrying(once, what="start", retry_conflicts=retry_conflicts)

    def _start_group(self, requests: list[StartRequest[InstanceRecord]]) -> None:
        """The first steps of several new instances in one transaction (see ``engine.start_commits``)."""

        def once() -> list[StepContext]:
            with self.store.db.write() as conn:
                for check in dict.fromkeys(r.check for r in requests if r.check is not None):
                    check(conn)  # once each: equal checks (starts of one definition) answer alike in one transaction
                pending = PendingWrites()
                steps = []
                for request in requests:
                    with log_context(instance_id=request.row["id"]):
                        steps.append(self._first_step(conn, request))
                    pending.add([InstanceInsert(request.row), *steps[-1].intents])
                pending.write(self.store, conn)
            return steps

        steps = self.store.db.retrying(once, what="start")
        for request, ctx in zip(requests, steps, strict=True):
            try:
                self._started(ctx)
            except Exception:  # committed: the start stands; what failed is bookkeeping of this process
                log.exception("after starting instance %s", request.row["id"])
            request.result = ctx.after

    def _first_step(self, conn: Connection, request: StartRequest[InstanceRecord]) -> StepContext:
        live = request.make_live()  # fresh on every attempt: a failed attempt may have advanced it
        row = request.row
        instance = InstanceRecord(**{name: row[name] for name in InstanceRecord.__dataclass_fields__})
        ctx = StepContext(StoreReads(self.store, conn), instance, live, self.definitions.clock.now())
        self._step(ctx, request.trigger)
        return ctx

    def _started(self, ctx: StepContext) -> None:
        self._keep(ctx)
        self._after_commit(ctx)

    def _keep(self, ctx: StepContext) -> None:
        """Keep the live workflow for the instance's next step, unless the step ended the instance: an ended
        instance takes no more steps, and a wide one holds a task per branch (it is read back when looked at)."""
        if ctx.after is not None and ctx.after.state != "running":
            self.cache.evict(ctx.instance.id)
        else:
            self.cache.put(ctx.instance.id, ctx.live)

    @contextmanager
    def _limits(self) -> Iterator[ExpressionLimits]:
        """This engine's expression limits and clock (FEEL's now()) for what runs inside."""
        with engine_clock(self.definitions.clock), expression_limits(self.expression_limits) as limits:
            yield limits

    def _after_commit(self, ctx: StepContext) -> None:
        """Bookkeeping that is only true once the step's transaction committed."""
        self.blobs.committed(ctx.new_blobs)
        self.steps += 1
        failed = ctx.instance.open_incidents == 0 and ctx.after is not None and ctx.after.open_incidents > 0
        events = ({"type": e.type, "data": e.data} for e in ctx.events)
        self.metrics.step_committed(events, time.perf_counter() - ctx.started, failed=failed)
        self.last_step_task_rows = ctx.task_rows_written
        if ctx.jobs_created and self.on_jobs_created is not None:
            self.on_jobs_created()
        self.followups.committed(ctx)

    def read(self, instance_id: str, reader: Callable[[Any], T]) -> T:
        """Look at an instance's live workflow without a step: no lock row, no write, no new version."""
        with self._locks(instance_id):

            def load() -> tuple[bool, LiveInstance]:
                with self.store.db.read() as conn:
                    instance = self.store.instance(conn, instance_id)
                    if instance is None:
                        raise NotFoundError(
                            f"process instance {instance_id} does not exist; list them with 'steadyflow instances'"
                        )
                    live = self.cache.take(instance_id, instance.version) or self._load(conn, instance)
                    return instance.state == "running", live

            running, live = self.store.db.retrying(load, what="read an instance")
            try:
                with self._limits():
                    return reader(live.workflow)
            finally:
                if running:  # an ended instance is not kept (see ``_keep``)
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
            self.definitions.workflow_specs(model, instance.frame, conn),
            instance.frame,
            rows,
            blobs.__getitem__,
            script_engine=self.definitions.script_engine,
            definition_id=definition.id,
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

    def _step(self, ctx: StepContext, trigger: Callable[[StepContext], T]) -> T:
        """The trigger, then the run to the next wait; call activities resolve through the step's reads."""
        with calls_in_step(ctx.reads):
            result = trigger(ctx)
            finish_step(ctx, self.default_retry, self.blobs)
        return result

"""The in-process worker pool: claims due jobs, runs handlers outside any lock, reports back.

Also runs the timer scheduler. Each pool registers in the ``workers`` table and
heartbeats (engine/liveness.py); a job whose pool dies is released within
``worker_timeout_s`` (at once by a restarted process on the same host), then any
worker claims it again (at-least-once), and the handler's idempotency key makes
the repeat harmless.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bpmn.expressions.limits import expression_limits
from engine.engine import Engine
from engine.handlers import BpmnError, HandlerSet, JobContext, NonRetryableError, RetryLater
from engine.health import Check
from engine.job_outcome import JobOutcome, storable_text
from engine.liveness import WorkerRegistration
from engine.log_context import log_context
from engine.result_check import result_problem, result_refusal
from engine.store.records import JobRecord
from steadyflow.errors import ConflictError, NotFoundError, SteadyflowError, StoreError

log = logging.getLogger(__name__)

CLAIM_WINDOW_S = 2.0
"""A pool claims about what its handlers finish in this long: results show up at that pace."""
MAX_CLAIM = 256
PREFETCH = 8
"""A long-running pool holds at most this many jobs per handler thread (running or queued)."""
DISPATCH_THREAD = "steadyflow-jobs"
REPORT_EVERY_S = 1.0
"""``run_until_idle`` records finished results at least this often while slower jobs of its claim still run."""


def claim_size(concurrency: int, handler_s: float | None, lock_s: float) -> int:
    """How many jobs a pool should hold at once, from how long handlers have been taking.

    Fast handlers get big claims (one claim and one group commit for many jobs); slow ones
    get about one job per handler thread, so results are recorded every few seconds and no
    claimed job waits in the queue anywhere near its lock's expiry.
    """
    if handler_s is None:
        return max(16, concurrency * 4)
    window = min(CLAIM_WINDOW_S, lock_s / 4)
    return max(concurrency, min(MAX_CLAIM, int(concurrency * window / max(handler_s, 1e-4))))


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class WorkerStats:
    completed: int = 0
    failed: int = 0
    postponed: int = 0
    errors_thrown: int = 0
    timers_fired: int = 0
    unhandled_types: dict[str, list[str]] = field(default_factory=dict)
    """Job types that are due but have no handler here: type -> element ids."""


class WorkerPool:
    """Runs handlers for the job types in ``handlers`` against ``engine``."""

    def __init__(
        self,
        engine: Engine,
        handlers: HandlerSet,
        *,
        worker_id: str | None = None,
        concurrency: int = 4,
        poll_interval_s: float = 0.5,
        lock_s: float | None = None,
        run_timers: bool = True,
    ) -> None:
        self.engine = engine
        self.handlers = handlers
        self.worker_id = worker_id or default_worker_id()
        self.concurrency = max(1, concurrency)
        self.poll_interval_s = poll_interval_s
        self.lock_s = lock_s if lock_s is not None else engine.config.job_lock_s
        self.run_timers = run_timers
        self.stats = WorkerStats()
        self._executor = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="steadyflow-job")
        self._inflight: dict[str, Future[JobOutcome | None]] = {}
        self._results: list[JobOutcome] = []
        self._results_ready = threading.Condition()
        self._inflight_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._handler_s: float | None = None
        """Moving average of how long a handler runs (seconds)."""
        self.registration = WorkerRegistration(
            engine.db,
            self.worker_id,
            heartbeat_s=engine.config.worker_heartbeat_s,
            timeout_s=engine.config.worker_timeout_s,
        )
        engine.add_job_listener(self._wake.set)

    @property
    def types(self) -> list[str]:
        return self.handlers.types()

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> None:
        """Register (taking over dead predecessors' jobs), then claim in background threads."""
        self.registration.start()
        self._stop.clear()
        loops: list[tuple[str, Callable[[], None]]] = [
            (DISPATCH_THREAD, self._dispatch_loop),
            ("steadyflow-results", self._report_loop),
            ("steadyflow-heartbeat", self._heartbeat_loop),
        ]
        if self.run_timers:
            loops.append(("steadyflow-timers", self._timer_loop))
        for name, target in loops:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout_s: float = 30.0) -> bool:
        """Stop claiming; let running handlers finish and their results be recorded, for ``timeout_s`` in all.

        Jobs still running then have their locks released, so other workers take them at once
        instead of waiting for the locks to expire. Returns True when nothing is left running here.
        """
        deadline = time.monotonic() + timeout_s
        self._stop.set()
        self._wake.set()
        for thread in self._threads:  # the claiming loop first: nothing may be claimed after the queue is emptied
            if thread.name == DISPATCH_THREAD:
                thread.join(timeout=max(0.0, deadline - time.monotonic()))
        self._release_queued()
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        with self._inflight_lock:
            pending = list(self._inflight.values())
        wait(pending, timeout=max(0.0, deadline - time.monotonic()))
        with self._inflight_lock:
            unfinished = list(self._inflight)
        if unfinished:
            # Their handlers may still finish; if they do, the result is applied (the lock owner matches).
            log.warning("releasing %d job(s) still running after %.0f s: %s", len(unfinished), timeout_s, unfinished)
            try:
                self.engine.release_locks(self.worker_id, unfinished)
            except SteadyflowError as exc:
                log.warning("releasing %d job locks failed: %s", len(unfinished), exc)
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.registration.stop()
        return not unfinished

    def health(self) -> Check:
        """The scheduler part of ``/ready``: running, every loop thread alive, heartbeat reaching the database."""
        if not self._threads or self._stop.is_set():
            return Check("scheduler", False, "stopped")
        dead = [thread.name for thread in self._threads if not thread.is_alive()]
        if dead:
            return Check("scheduler", False, f"thread {', '.join(dead)} ended; restart the process")
        last = self.registration.last_beat
        age = None if last is None else time.monotonic() - last
        if age is None or age > self.registration.timeout_s:
            since = "never" if age is None else f"{age:.0f} s ago"
            return Check(
                "scheduler",
                False,
                f"heartbeat last written {since} (take-over after {self.registration.timeout_s:.0f} s)",
            )
        return Check("scheduler", True, f"running; heartbeat {age:.1f} s ago")

    def _release_queued(self) -> None:
        """Jobs claimed ahead that no handler has started: give them back at once."""
        with self._inflight_lock:
            futures = list(self._inflight.items())
        queued = [job_id for job_id, future in futures if future.cancel()]  # callbacks take the lock: not held here
        if queued:
            try:
                self.engine.release_locks(self.worker_id, queued, unstarted=True)
            except SteadyflowError as exc:
                log.warning("releasing %d queued job locks failed: %s", len(queued), exc)

    # -- loops -------------------------------------------------------------
    def _dispatch_loop(self) -> None:
        while not self._stop.is_set():
            try:
                claimed = self._claim_some()
            except SteadyflowError as exc:
                log.warning("claiming jobs failed: %s", exc)
                claimed = 0
            if not claimed:
                self._wake.wait(self.poll_interval_s)
                self._wake.clear()

    def _claim_some(self) -> int:
        """Claim what the handler threads will get to soon: ahead of them when handlers are quick."""
        wanted = min(claim_size(self.concurrency, self._handler_s, self.lock_s), self.concurrency * PREFETCH)
        with self._inflight_lock:
            capacity = wanted - len(self._inflight)
        if capacity <= 0 or not self.types:
            time.sleep(0.01)
            return 0
        jobs = self.engine.claim_jobs(
            self.worker_id, self.types, max_jobs=capacity, lock_s=self.lock_s, lazy_variables=True
        )
        for job in jobs:
            future = self._executor.submit(self._execute, job)
            with self._inflight_lock:
                self._inflight[job.id] = future
            future.add_done_callback(self._done_callback(job.id))
        return len(jobs)

    def _done_callback(self, job_id: str) -> Callable[[Future[JobOutcome | None]], None]:
        return lambda future: self._done(job_id, future)

    def _done(self, job_id: str, future: Future[JobOutcome | None]) -> None:
        outcome = None if future.cancelled() or future.exception() else future.result()
        if outcome is None:
            with self._inflight_lock:
                self._inflight.pop(job_id, None)
            self._wake.set()
            return
        with self._results_ready:
            self._results.append(outcome)
            self._results_ready.notify()

    def _report_loop(self) -> None:
        """Record finished handlers' results in batches: one commit for all that finished meanwhile."""
        while True:
            with self._results_ready:
                while not self._results and not (self._stop.is_set() and not self._inflight):
                    self._results_ready.wait(0.2)
                batch, self._results = self._results, []
            if not batch and self._stop.is_set() and not self._inflight:
                return
            self._record(batch)
            self._wake.set()

    def _timer_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.stats.timers_fired += self.engine.fire_due_timers(self.worker_id)
                self.engine.fire_start_timers(self.worker_id)
                self.engine.deliver_outbox()
                self.engine.sweep_messages()
            except SteadyflowError as exc:
                log.warning("firing timers or delivering thrown events failed: %s", exc)
            self._stop.wait(self.poll_interval_s)

    def _heartbeat_loop(self, stop: threading.Event | None = None) -> None:
        """Extend the locks of every job held here, every third of the lock time, until ``stop`` is set."""
        interval = max(0.5, self.lock_s / 3)
        while not (stop or self._stop).wait(interval):
            with self._inflight_lock:
                ids = list(self._inflight)
            if ids:
                try:
                    self.engine.extend_locks(self.worker_id, ids, self.lock_s)
                except SteadyflowError as exc:
                    log.warning("extending job locks failed: %s", exc)

    # -- one job -----------------------------------------------------------
    def _execute(self, job: JobRecord) -> JobOutcome | None:
        """Run the handler; what it produced is recorded later, possibly with other results."""
        outcome = self._run_handler(job)
        return None if outcome is None else storable_text(outcome)

    def _run_handler(self, job: JobRecord) -> JobOutcome | None:
        handler = self.handlers.get(job.type)
        if handler is None:  # claimed by type, so only if handlers changed under us
            return None
        context = JobContext(
            job_id=job.id,
            job_type=job.type,
            instance_id=job.instance_id,
            element_id=job.element_id,
            business_key=job.business_key,
            variables=job.variables,
            headers=job.headers,
            attempt=job.attempt,
            idempotency_key=f"{job.instance_id}:{job.task_id}",
            data_dir=Path(self.engine.config.data_dir),
            retries_left=job.retries_left,
        )
        started = time.perf_counter()
        config = self.engine.config
        try:
            # A handler evaluating FEEL (an HTTP connector's mappings) does so under its engine's limits.
            with (
                log_context(instance_id=job.instance_id, job_id=job.id, element_id=job.element_id),
                expression_limits(config.expression_limits),
            ):
                result = handler(context)
        except BpmnError as exc:
            if problem := result_problem(job.type, exc.variables):
                return JobOutcome(job, "fail", message=f"{problem} (with BPMN error {exc.code})", retryable=False)
            if refusal := result_refusal(job.type, exc.variables, config.input_limits):
                return JobOutcome(job, "fail", message=f"{refusal} (with BPMN error {exc.code})", retryable=False)
            return JobOutcome(job, "error", dict(exc.variables), exc.message, code=exc.code)
        except RetryLater as exc:
            return JobOutcome(job, "postpone", message=exc.message, delay_s=exc.delay_s)
        except NonRetryableError as exc:
            return JobOutcome(job, "fail", message=f"{type(exc).__name__}: {exc}", retryable=False)
        except Exception as exc:  # noqa: BLE001 - a handler's failure is data, not a crash
            details = "".join(traceback.format_exception(exc))[-4000:]
            message = f"{type(exc).__name__}: {exc}"
            return JobOutcome(job, "fail", message=message, details=details, error_type=type(exc).__name__)
        finally:
            self._observe(time.perf_counter() - started)
        if problem := result_problem(job.type, result):
            return JobOutcome(job, "fail", message=problem, retryable=False, error_type="NonJsonResult")
        assert result is None or isinstance(result, Mapping)
        if refusal := result_refusal(job.type, result, config.input_limits):
            return JobOutcome(job, "fail", message=str(refusal), retryable=False, error_type=type(refusal).__name__)
        return JobOutcome(job, "complete", dict(result or {}))

    def _observe(self, seconds: float) -> None:
        previous = self._handler_s
        self._handler_s = seconds if previous is None else 0.8 * previous + 0.2 * seconds

    def _record(self, outcomes: list[JobOutcome]) -> None:
        """Report results, then stop holding (and heartbeating) their jobs."""
        self._report(outcomes)
        with self._inflight_lock:
            for outcome in outcomes:
                self._inflight.pop(outcome.job.id, None)

    def _report(self, outcomes: list[JobOutcome]) -> None:
        """Record results in one transaction; a result whose job is gone is logged, not fatal."""
        if not outcomes:
            return
        try:
            errors = self.engine.report_outcomes(self.worker_id, outcomes)
        except StoreError as exc:  # database trouble, already retried: the jobs' locks expire or are taken over
            log.error("recording %d job results failed: %s", len(outcomes), exc)
            return
        except Exception as exc:  # a bug in one step must not sink the batch, nor loop it
            if len(outcomes) > 1:
                log.exception("recording %d job results failed unexpectedly; recording them one by one", len(outcomes))
                for outcome in outcomes:
                    self._report([outcome])
                return
            errors = [exc if isinstance(exc, SteadyflowError) else SteadyflowError(f"{type(exc).__name__}: {exc}")]
            log.exception("recording the result of job %s failed unexpectedly", outcomes[0].job.id)
        for outcome, error in zip(outcomes, errors, strict=True):
            if error is not None:
                self._refused(outcome, error)
            job = outcome.job
            with log_context(instance_id=job.instance_id, job_id=job.id, element_id=job.element_id):
                self._log_outcome(outcome, error)
            if error is None and outcome.kind == "complete":
                self.stats.completed += 1
            elif error is None and outcome.kind == "fail":
                self.stats.failed += 1
            elif error is None and outcome.kind == "postpone":
                self.stats.postponed += 1
            elif error is None:
                self.stats.errors_thrown += 1

    def _refused(self, outcome: JobOutcome, error: SteadyflowError) -> None:
        """The batch would not take this result: give the job what the refusal says, never a re-run loop.

        Gone (cancelled, finished) or taken over by another worker: nothing left to do here. Any
        other refusal (the step itself failed) would refuse the same result again on every
        attempt, so the job gets an incident with the reason, for an operator to look at.
        """
        if isinstance(error, (NotFoundError, ConflictError)):
            return
        job = outcome.job
        message = f"job {job.id} ({job.type}): recording the handler's {outcome.kind} result was refused: {error}"
        try:
            self.engine.fail_job(
                job.id, message, worker_id=self.worker_id, instance_id=job.instance_id, retries=0, retryable=False
            )
        except (NotFoundError, ConflictError):
            return
        except Exception:  # the lock expires and the job runs again; logged for the operator
            log.exception("job %s: raising an incident for its refused result failed", job.id)

    @staticmethod
    def _log_outcome(outcome: JobOutcome, error: SteadyflowError | None) -> None:
        job = outcome.job
        if error is not None:
            log.info("job %s result not applied: %s", job.id, error)
        elif outcome.kind == "fail":
            log.info("job %s (%s) attempt %d failed: %s", job.id, job.type, job.attempt, outcome.message)
        else:
            log.debug("job %s (%s) attempt %d: %s recorded", job.id, job.type, job.attempt, outcome.kind)

    # -- until idle ------------------------------------------------------------
    def run_until_idle(self, *, max_wait_s: float = 60.0, on_progress: Callable[[], None] | None = None) -> WorkerStats:
        """Run jobs and timers until nothing is runnable, and nothing becomes due within ``max_wait_s``."""
        stop_beating = threading.Event()
        beat = threading.Thread(target=self._heartbeat_loop, args=(stop_beating,), name="steadyflow-heartbeat")
        beat.daemon = True
        self.registration.start()
        beat.start()
        try:
            return self._until_idle(max_wait_s, on_progress)
        finally:
            stop_beating.set()
            self.registration.stop()

    def _run_claimed(self, jobs: list[JobRecord], on_progress: Callable[[], None] | None) -> None:
        """Run claimed jobs; record the results of those finished every REPORT_EVERY_S (all at once when quick)."""
        futures = {self._executor.submit(self._execute, job): job for job in jobs}
        with self._inflight_lock:
            self._inflight.update({job.id: future for future, job in futures.items()})
        pending: set[Future[JobOutcome | None]] = set(futures)
        finished: list[JobOutcome] = []
        reported_at = time.monotonic()
        while pending:
            done, pending = wait(pending, timeout=REPORT_EVERY_S, return_when=FIRST_COMPLETED)
            for future in done:
                if future.exception() is not None:
                    log.error("job %s could not run: %s", futures[future].id, future.exception())
                elif (outcome := future.result()) is not None:
                    finished.append(outcome)
            if finished and (not pending or time.monotonic() - reported_at >= REPORT_EVERY_S):
                self._record(finished)
                finished, reported_at = [], time.monotonic()
                if on_progress:
                    on_progress()
        with self._inflight_lock:
            for job in jobs:
                self._inflight.pop(job.id, None)

    def _until_idle(self, max_wait_s: float, on_progress: Callable[[], None] | None) -> WorkerStats:
        # Due times are on the engine's clock; how long we have waited idle is on the machine's. A manual clock
        # stands still while we wait, so a due time ahead of it never arrives: the idle deadline ends the wait.
        clock = self.engine.config.clock
        idle_since: float | None = None
        while True:
            progressed = 0
            if self.run_timers:
                fired = self.engine.fire_due_timers(self.worker_id)
                self.stats.timers_fired += fired
                progressed = fired + self.engine.deliver_outbox()
            jobs = (
                self.engine.claim_jobs(
                    self.worker_id,
                    self.types,
                    max_jobs=claim_size(self.concurrency, self._handler_s, self.lock_s),
                    lock_s=self.lock_s,
                    lazy_variables=True,
                )
                if self.types
                else []
            )
            if jobs:
                self._run_claimed(jobs, on_progress)
                idle_since = None
                continue
            if progressed:  # a timer fired or a thrown event was delivered: look for what that made runnable
                idle_since = None
                continue
            next_due = self.engine.next_due(self.types)
            timer_due = self.engine.next_due([])
            due = min((d for d in (next_due, timer_due) if d is not None), default=None)
            if due is None or due - clock.now() > max_wait_s:
                break
            if idle_since is None:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > max_wait_s:
                break
            time.sleep(min(max(0.0, due - clock.now()), self.poll_interval_s) + 0.001)
        self.stats.unhandled_types = self._unhandled()
        return self.stats

    def _unhandled(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for job in self.engine.store_jobs(state="ready"):
            if self.handlers.get(job.type) is None:
                found.setdefault(job.type, [])
                if job.element_id not in found[job.type]:
                    found[job.type].append(job.element_id)
        return found


def run_in_process(engine: Engine, handlers: HandlerSet, **kwargs: Any) -> WorkerStats:
    """Convenience for embedding: run every due job and timer of ``engine`` until idle."""
    pool = WorkerPool(engine, handlers, **kwargs)
    try:
        return pool.run_until_idle()
    finally:
        pool.stop(timeout_s=1.0)

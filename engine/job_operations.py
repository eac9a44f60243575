"""Job operations: claim, complete, fail (retry or incident), postpone, throw a BPMN error."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from engine import history
from engine.engine_base import EngineBase, check_variables
from engine.intents import JobUpdate
from engine.job_outcome import JobOutcome
from engine.retry_policy import RetryPolicy
from engine.spiff.runtime import StepFailure, complete_job_task, job_task, throw_bpmn_error
from engine.step_core import StepContext, raise_job_incident
from engine.store.records import JobRecord
from steadyflow.errors import ConflictError, ExpressionError, NotFoundError, SteadyflowError


def locked_job(ctx: StepContext, job_id: str, worker_id: str | None) -> JobRecord:
    """The job a trigger acts on, if this worker may act on it."""
    job = ctx.reads.job(job_id)
    if job is None or job.instance_id != ctx.instance.id:
        raise NotFoundError(f"job {job_id} does not exist: it finished, or its activity was cancelled")
    locked_by_other = worker_id is not None and job.lock_owner not in (None, worker_id)
    if locked_by_other and job.lock_expires_at is not None and job.lock_expires_at >= ctx.now:
        raise ConflictError(f"job {job_id} is locked by worker '{job.lock_owner}', not '{worker_id}'")
    if job.state != "ready":
        raise ConflictError(f"job {job_id} has an open incident; retry the incident first")
    return job


class JobOperations(EngineBase):
    def claim_jobs(
        self, worker_id: str, types: list[str] | None, *, max_jobs: int = 10, lock_s: float | None = None
    ) -> list[JobRecord]:
        """Lock up to ``max_jobs`` due jobs of ``types`` (None: any type) for ``worker_id``."""
        lock = lock_s if lock_s is not None else self.config.job_lock_s

        def claim() -> list[JobRecord]:
            with self.db.write() as conn:
                return self.store.claim_jobs(
                    conn, owner=worker_id, types=types, limit=max_jobs, now=time.time(), lock_s=lock
                )

        claimed = self.db.retrying(claim, what="claim jobs")
        self.steps.metrics.jobs_claimed(job.type for job in claimed)
        return self._with_values(claimed)

    def _job_instance(self, job_id: str) -> str:
        with self.db.read() as conn:
            found = self.store.job(conn, job_id)
        if found is None:
            raise NotFoundError(f"job {job_id} does not exist: it finished, or its activity was cancelled")
        return found.instance_id

    def job(self, job_id: str) -> JobRecord:
        with self.db.read() as conn:
            found = self.store.job(conn, job_id)
        if found is None:
            raise NotFoundError(f"job {job_id} does not exist: it finished, or its activity was cancelled")
        return self._with_values([found])[0]

    def store_jobs(self, *, instance_id: str | None = None, state: str | None = None) -> list[JobRecord]:
        """Jobs as stored (for listings and for finding job types nobody serves)."""
        with self.db.read() as conn:
            jobs = self.store.jobs(conn, instance_id=instance_id, state=state)
        return self._with_values(jobs)

    def release_locks(self, worker_id: str, job_ids: list[str], *, unstarted: bool = False) -> None:
        """Give up ``worker_id``'s locks on these jobs; ``unstarted`` ones also get their attempt back."""

        def release() -> None:
            with self.db.write() as conn:
                self.store.release_locks(conn, worker_id, job_ids, unstarted=unstarted)

        self.db.retrying(release, what="release job locks")

    def extend_locks(self, worker_id: str, job_ids: list[str], lock_s: float) -> None:
        def extend() -> None:
            with self.db.write() as conn:
                self.store.extend_locks(conn, worker_id, job_ids, time.time() + lock_s)

        self.db.retrying(extend, what="extend job locks")

    def complete_job(
        self,
        job_id: str,
        variables: dict[str, Any] | None = None,
        *,
        worker_id: str | None = None,
        instance_id: str | None = None,
    ) -> None:
        """The job's handler succeeded with ``variables``: continue the instance."""
        values = check_variables(variables)
        instance_id = instance_id or self._job_instance(job_id)
        self.steps.run(instance_id, self._complete_trigger(job_id, values, worker_id), what=f"complete job {job_id}")

    def _complete_trigger(
        self, job_id: str, values: dict[str, Any], worker_id: str | None
    ) -> Callable[[StepContext], None]:
        def trigger(ctx: StepContext) -> None:
            job = locked_job(ctx, job_id, worker_id)
            task = job_task(ctx.workflow, job.task_id)
            ctx.finish_job(job_id, job.task_id)
            ctx.record(history.job_completed(job, worker_id, values))
            try:
                complete_job_task(task, values)
            except ExpressionError as exc:
                task.error()
                ctx.failures.append(StepFailure(job.task_id, job.element_id, f"output mapping failed: {exc}"))

        return trigger

    def fail_job(
        self,
        job_id: str,
        error: str,
        *,
        details: str | None = None,
        worker_id: str | None = None,
        instance_id: str | None = None,
        retries: int | None = None,
        retry_in_s: float | None = None,
        error_type: str | None = None,
        retryable: bool = True,
    ) -> JobRecord | None:
        """The handler failed: schedule the next attempt by the retry policy, or raise an incident."""
        instance_id = instance_id or self._job_instance(job_id)
        trigger = self._fail_trigger(job_id, error, details, worker_id, retries, retry_in_s, error_type, retryable)
        return self.steps.run(instance_id, trigger, what=f"fail job {job_id}")

    def _fail_trigger(
        self,
        job_id: str,
        error: str,
        details: str | None,
        worker_id: str | None,
        retries: int | None,
        retry_in_s: float | None,
        error_type: str | None,
        retryable: bool,
    ) -> Callable[[StepContext], JobRecord | None]:
        def trigger(ctx: StepContext) -> JobRecord | None:
            ctx.advance = False
            job = locked_job(ctx, job_id, worker_id)
            policy = RetryPolicy.from_dict(job.retry_policy)
            left = retries if retries is not None else job.retries_left - 1
            if not retryable or (error_type and not policy.retryable(error_type)):
                left = 0
            message = (error or "job failed")[:4000]
            if left > 0:
                delay = retry_in_s if retry_in_s is not None else policy.delay_after(max(1, job.attempt))
                due = ctx.now + max(0.0, delay)
                values: dict[str, Any] = {
                    "retries_left": left,
                    "due_at": due,
                    "lock_owner": None,
                    "lock_expires_at": None,
                    "last_error": message,
                    "error_details": details,
                }
                ctx.add(JobUpdate(job_id, values))
                ctx.record(history.job_failed(job, message, left, due, worker_id))
                return replace(job, **values)
            stopped = raise_job_incident(ctx, job, "failedJob", message, details)
            ctx.record(history.job_failed(job, message, 0, None, worker_id))
            return stopped

        return trigger

    def postpone_job(
        self,
        job_id: str,
        delay_s: float,
        *,
        worker_id: str | None = None,
        message: str | None = None,
        instance_id: str | None = None,
    ) -> None:
        """Run the job again after ``delay_s`` without using a retry (long-running work)."""
        instance_id = instance_id or self._job_instance(job_id)
        trigger = self._postpone_trigger(job_id, delay_s, worker_id, message)
        self.steps.run(instance_id, trigger, what=f"postpone job {job_id}")

    def _postpone_trigger(
        self, job_id: str, delay_s: float, worker_id: str | None, message: str | None
    ) -> Callable[[StepContext], None]:
        def trigger(ctx: StepContext) -> None:
            ctx.advance = False
            job = locked_job(ctx, job_id, worker_id)
            due = ctx.now + max(0.0, delay_s)
            ctx.add(JobUpdate(job_id, {"due_at": due, "lock_owner": None, "lock_expires_at": None}))
            ctx.record(history.job_postponed(job, due, message))

        return trigger

    def throw_error(
        self,
        job_id: str,
        code: str,
        message: str = "",
        variables: dict[str, Any] | None = None,
        *,
        worker_id: str | None = None,
        instance_id: str | None = None,
    ) -> bool:
        """The handler threw BPMN error ``code``: route it to a boundary event, else raise an incident."""
        values = check_variables(variables)
        instance_id = instance_id or self._job_instance(job_id)
        trigger = self._error_trigger(job_id, code, message, values, worker_id)
        return self.steps.run(instance_id, trigger, what=f"throw error on job {job_id}")

    def _error_trigger(
        self, job_id: str, code: str, message: str, values: dict[str, Any], worker_id: str | None
    ) -> Callable[[StepContext], bool]:
        def trigger(ctx: StepContext) -> bool:
            job = locked_job(ctx, job_id, worker_id)
            task = job_task(ctx.workflow, job.task_id)
            caught = throw_bpmn_error(ctx.workflow, task, code, message, values)
            if caught:
                ctx.finish_job(job_id, job.task_id)
                ctx.record(history.job_error_thrown(job, code, message, caught=True))
            else:
                ctx.advance = False
                ctx.record(history.job_error_thrown(job, code, message, caught=False))
                raise_job_incident(
                    ctx,
                    job,
                    "unhandledError",
                    f"BPMN error '{code}' ({message or 'no message'}) is not caught by any error boundary event",
                    None,
                )
            return caught

        return trigger

    # -- several results at once ---------------------------------------------------
    def report_outcomes(self, worker_id: str, outcomes: list[JobOutcome]) -> list[SteadyflowError | None]:
        """Apply what handlers returned, as one step each, committed together (group commit).

        One transaction for many steps is what lets a worker pool outrun a commit per step;
        a step that fails (its job was cancelled meanwhile, say) is rolled back alone.
        """
        items: list[tuple[str, Callable[[StepContext], Any]]] = []
        for outcome in outcomes:
            job = outcome.job
            if outcome.kind == "complete":
                trigger: Callable[[StepContext], Any] = self._complete_trigger(
                    job.id, check_variables(outcome.variables), worker_id
                )
            elif outcome.kind == "error":
                trigger = self._error_trigger(
                    job.id, outcome.code or "", outcome.message, check_variables(outcome.variables), worker_id
                )
            elif outcome.kind == "postpone":
                trigger = self._postpone_trigger(job.id, outcome.delay_s, worker_id, outcome.message)
            else:
                trigger = self._fail_trigger(
                    job.id,
                    outcome.message,
                    outcome.details,
                    worker_id,
                    None,
                    None,
                    outcome.error_type,
                    outcome.retryable,
                )
            items.append((job.instance_id, trigger))
        return self.steps.run_batch(items, jobs=[outcome.job.id for outcome in outcomes])

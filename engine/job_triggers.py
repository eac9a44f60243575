"""Triggers of job steps: a job completed, failed, postponed, or threw a BPMN error.

Each builder returns the trigger of one step (see ``engine.step_core``): it reads the
job through ``ctx.reads``, changes the workflow and adds intents; it writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from engine import history
from engine.intents import JobUpdate
from engine.retry_policy import RetryPolicy
from engine.spiff.runtime import StepFailure, complete_job_task, job_task, throw_bpmn_error
from engine.step_core import StepContext, raise_job_incident
from engine.store.records import JobRecord
from steadyflow.errors import ConflictError, ExpressionError, NotFoundError


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


def complete(job_id: str, values: dict[str, Any], worker_id: str | None) -> Callable[[StepContext], None]:
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


def fail(
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


def postpone(job_id: str, delay_s: float, worker_id: str | None, message: str | None) -> Callable[[StepContext], None]:
    def trigger(ctx: StepContext) -> None:
        ctx.advance = False
        job = locked_job(ctx, job_id, worker_id)
        due = ctx.now + max(0.0, delay_s)
        ctx.add(JobUpdate(job_id, {"due_at": due, "lock_owner": None, "lock_expires_at": None}))
        ctx.record(history.job_postponed(job, due, message))

    return trigger


def throw_error(
    job_id: str, code: str, message: str, values: dict[str, Any], worker_id: str | None
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

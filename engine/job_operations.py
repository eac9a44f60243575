"""Job operations: claim, complete, fail (retry or incident), postpone, throw a BPMN error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from engine import job_triggers
from engine.config import EngineConfig
from engine.engine_base import check_variables
from engine.job_outcome import JobOutcome
from engine.job_variables import JobVariables
from engine.spiff.codec import decode_value
from engine.step_core import StepContext
from engine.steps import StepRunner
from engine.store.database import Database
from engine.store.records import JobRecord
from engine.store.store import Store
from steadyflow.errors import NotFoundError, SteadyflowError


class JobOperations:
    """The jobs service of an engine: claim and look at jobs, and the steps their results make."""

    def __init__(self, config: EngineConfig, db: Database, store: Store, steps: StepRunner) -> None:
        self.config, self.db, self.store, self.steps = config, db, store, steps

    def with_values(self, jobs: list[JobRecord], *, lazy: bool = False) -> list[JobRecord]:
        """Jobs store their variables as blob hashes; give callers the values.

        ``lazy``: as ``JobVariables``, decoded when a handler first reads one (the in-process
        worker's handlers: a job of a wide multi-instance activity sees the whole collection).
        """
        hashes = {h for job in jobs for h in job.variables.values()}
        if not hashes:
            return jobs
        texts = self.steps.blob_texts(hashes)
        if lazy:
            return [
                replace(job, variables=JobVariables({name: texts[h] for name, h in job.variables.items()}))
                for job in jobs
            ]
        return [
            replace(job, variables={name: decode_value(texts[h]) for name, h in job.variables.items()}) for job in jobs
        ]

    def claim_jobs(
        self,
        worker_id: str,
        types: list[str] | None,
        *,
        max_jobs: int = 10,
        lock_s: float | None = None,
        lazy_variables: bool = False,
    ) -> list[JobRecord]:
        """Lock up to ``max_jobs`` due jobs of ``types`` (None: any type) for ``worker_id``.

        ``lazy_variables``: values decoded when first read (see ``with_values``)."""
        lock = lock_s if lock_s is not None else self.config.job_lock_s

        def claim() -> list[JobRecord]:
            with self.db.write() as conn:
                return self.store.claim_jobs(
                    conn, owner=worker_id, types=types, limit=max_jobs, now=self.config.clock.now(), lock_s=lock
                )

        claimed = self.db.retrying(claim, what="claim jobs")
        self.steps.metrics.jobs_claimed(job.type for job in claimed)
        return self.with_values(claimed, lazy=lazy_variables)

    def job_instance(self, job_id: str) -> str:
        """The id of the instance ``job_id`` belongs to."""
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
        return self.with_values([found])[0]

    def store_jobs(self, *, instance_id: str | None = None, state: str | None = None) -> list[JobRecord]:
        """Jobs as stored (for listings and for finding job types nobody serves)."""
        with self.db.read() as conn:
            jobs = self.store.jobs(conn, instance_id=instance_id, state=state)
        return self.with_values(jobs)

    def release_locks(self, worker_id: str, job_ids: list[str], *, unstarted: bool = False) -> None:
        """Give up ``worker_id``'s locks on these jobs; ``unstarted`` ones also get their attempt back."""

        def release() -> None:
            with self.db.write() as conn:
                self.store.release_locks(conn, worker_id, job_ids, unstarted=unstarted)

        self.db.retrying(release, what="release job locks")

    def extend_locks(self, worker_id: str, job_ids: list[str], lock_s: float) -> None:
        def extend() -> None:
            with self.db.write() as conn:
                self.store.extend_locks(conn, worker_id, job_ids, self.config.clock.now() + lock_s)

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
        instance_id = instance_id or self.job_instance(job_id)
        self.steps.run(instance_id, job_triggers.complete(job_id, values, worker_id), what=f"complete job {job_id}")

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
        instance_id = instance_id or self.job_instance(job_id)
        trigger = job_triggers.fail(job_id, error, details, worker_id, retries, retry_in_s, error_type, retryable)
        return self.steps.run(instance_id, trigger, what=f"fail job {job_id}")

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
        instance_id = instance_id or self.job_instance(job_id)
        trigger = job_triggers.postpone(job_id, delay_s, worker_id, message)
        self.steps.run(instance_id, trigger, what=f"postpone job {job_id}")

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
        instance_id = instance_id or self.job_instance(job_id)
        trigger = job_triggers.throw_error(job_id, code, message, values, worker_id)
        return self.steps.run(instance_id, trigger, what=f"throw error on job {job_id}")

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
                trigger: Callable[[StepContext], Any] = job_triggers.complete(
                    job.id, check_variables(outcome.variables), worker_id
                )
            elif outcome.kind == "error":
                trigger = job_triggers.throw_error(
                    job.id, outcome.code or "", outcome.message, check_variables(outcome.variables), worker_id
                )
            elif outcome.kind == "postpone":
                trigger = job_triggers.postpone(job.id, outcome.delay_s, worker_id, outcome.message)
            else:
                trigger = job_triggers.fail(
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

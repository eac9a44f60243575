"""An in-process engine for process tests: a throwaway SQLite file, a manual clock, mocked workers.

Everything runs synchronously in the caller's thread: an action (start, complete a
job or user task, publish a message, move the clock) is followed by
:meth:`ProcessTest.run_until_idle`, which fires due timers, delivers thrown
messages and answers the jobs of mocked types until nothing more can happen.
The clock only moves when the test says so, so timers fall due without sleeping
and a test never depends on the machine's speed.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bpmn.clock import ManualClock
from engine.config import EngineConfig
from engine.engine import Engine
from engine.forms import ModelOutline
from engine.queries import Queries
from engine.retry_policy import RetryPolicy
from engine.store.records import JobRecord
from engine.tasklist import Tasklist
from steadyflow.errors import NoConditionalStartError, NotFoundError
from steadyflow.testing.mocks import JobMock
from steadyflow.testing.state import InstanceSnapshot, snapshot

WORKER_ID = "steadyflow-process-test"
IMMEDIATE_RETRIES = RetryPolicy(initial_interval_s=0.0, backoff_coefficient=1.0, maximum_interval_s=0.0)
"""Camunda 8's default: a failed job with retries left can be taken again at once (no backoff)."""
MAX_ROUNDS = 10_000


class TestClock(ManualClock):
    """The test's manual clock: moving it runs what falls due (``clock.advance("P3D")`` fires those timers)."""

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, start: datetime | float | None = None) -> None:
        super().__init__(start)
        self.on_move: Callable[[], object] | None = None

    def advance(self, duration: str | timedelta | float) -> float:
        now = super().advance(duration)
        if self.on_move is not None:
            self.on_move()
        return now

    def set(self, instant: datetime | str | float) -> float:
        now = super().set(instant)
        if self.on_move is not None:
            self.on_move()
        return now


@dataclass
class ProcessInstance:
    """A handle on one instance started (or found) by a process test."""

    test: ProcessTest
    id: str

    def snapshot(self) -> InstanceSnapshot:
        return snapshot(self.test.engine, self.id)

    @property
    def variables(self) -> dict[str, Any]:
        return self.test.engine.variables(self.id)


class ProcessTest:
    """A private engine and the actions of a process test; close it (or use ``with``) to delete its files."""

    def __init__(
        self,
        directory: str | Path | None = None,
        *,
        clock: TestClock | None = None,
        retry_policy: RetryPolicy = IMMEDIATE_RETRIES,
    ) -> None:
        self._owned = directory is None
        self.directory = Path(directory) if directory is not None else Path(tempfile.mkdtemp(prefix="steadyflow-test-"))
        self.clock = clock or TestClock()
        self.clock.on_move = self.run_until_idle
        self.engine = Engine(
            EngineConfig(
                data_dir=self.directory, db_url=None, clock=self.clock, retry_policy=retry_policy, durable=False
            )
        )
        self.queries = Queries(self.engine)
        self.tasklist = Tasklist(self.engine, self.queries)
        self.mocks: dict[str, JobMock] = {}
        self._start_timers_checked_at: float | None = None
        self._messages_buffered = False
        """Whether this test published a message that was kept (only then is there anything to sweep)."""
        self.stub: JobMock | None = None
        """Answers the jobs of every type without a mock (a dry run's stub worker); None: such jobs wait."""

    def close(self) -> None:
        self.engine.close()
        if self._owned:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> ProcessTest:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- models --------------------------------------------------------------------
    def deploy(self, *paths: str | Path) -> list[str]:
        """Deploy BPMN files; returns the process ids (definition keys) they hold."""
        deployment = self.engine.deploy_paths(list(paths))
        self._start_timers_checked_at = None
        return [d.definition.key for d in deployment.definitions]

    def deploy_files(self, files: list[tuple[str, bytes]]) -> list[str]:
        """Deploy BPMN files given as (name, bytes); returns the process ids they hold."""
        self._start_timers_checked_at = None
        return [d.definition.key for d in self.engine.deploy(files).definitions]

    # -- actions -------------------------------------------------------------------
    def start(
        self, process_id: str, variables: dict[str, Any] | None = None, *, business_key: str | None = None
    ) -> ProcessInstance:
        """Start an instance of the latest version of ``process_id`` and run it until it waits."""
        record = self.engine.start(process_id, variables, business_key=business_key)
        self.run_until_idle()
        return ProcessInstance(self, record.id)

    def mock_job(self, job_type: str) -> JobMock:
        """The mock worker of ``job_type`` (made on first use; jobs of unmocked types wait, as with no worker)."""
        if job_type not in self.mocks:
            self.mocks[job_type] = JobMock(job_type)
        return self.mocks[job_type]

    def complete_job(
        self,
        job_type: str | None = None,
        variables: dict[str, Any] | None = None,
        *,
        element_id: str | None = None,
        instance: ProcessInstance | None = None,
    ) -> None:
        """Complete the oldest waiting job of ``job_type`` (or at ``element_id``) with ``variables``."""
        job = self.waiting_job(job_type, element_id=element_id, instance=instance)
        self.engine.complete_job(job.id, variables or {}, instance_id=job.instance_id)
        self.run_until_idle()

    def throw_bpmn_error(
        self,
        job_type: str | None,
        code: str,
        message: str = "",
        variables: dict[str, Any] | None = None,
        *,
        element_id: str | None = None,
        instance: ProcessInstance | None = None,
    ) -> None:
        """Throw BPMN error ``code`` from the oldest waiting job of ``job_type`` (or at ``element_id``)."""
        job = self.waiting_job(job_type, element_id=element_id, instance=instance)
        self.engine.throw_error(job.id, code, message, variables or {}, instance_id=job.instance_id)
        self.run_until_idle()

    def waiting_job(
        self, job_type: str | None, *, element_id: str | None = None, instance: ProcessInstance | None = None
    ) -> Any:
        jobs = [
            j
            for j in self.engine.store_jobs(instance_id=instance.id if instance else None, state="ready")
            if (job_type is None or j.type == job_type) and (element_id is None or j.element_id == element_id)
        ]
        if not jobs:
            waiting = sorted({f"{j.type} at {j.element_id}" for j in self.engine.store_jobs(state="ready")})
            wanted = " and ".join(
                part
                for part in (f"type {job_type!r}" if job_type else "", f"element {element_id!r}" if element_id else "")
                if part
            )
            raise AssertionError(
                f"expected a job of {wanted or 'any type'} to be waiting; "
                + (f"the waiting jobs are: {', '.join(waiting)}" if waiting else "no job is waiting")
            )
        return min(jobs, key=lambda j: (j.created_at, j.id))

    def user_task(
        self, element_id: str | None = None, *, name: str | None = None, instance: ProcessInstance | None = None
    ) -> dict[str, Any]:
        """The oldest open user task at ``element_id`` (or with that drawn ``name``)."""
        tasks = self.engine.user_tasks(instance.id if instance else None)
        found = [t for t in tasks if self._element_matches(t, element_id, name)]
        if not found:
            open_ones = sorted({t["element_id"] for t in tasks})
            wanted = element_id or name
            raise AssertionError(
                f"expected a user task {wanted!r} to be open; "
                + (f"the open user tasks are at {', '.join(open_ones)}" if open_ones else "no user task is open")
            )
        return found[0]

    def complete_user_task(
        self,
        element_id: str | None = None,
        variables: dict[str, Any] | None = None,
        *,
        name: str | None = None,
        instance: ProcessInstance | None = None,
        use_form_defaults: bool = False,
    ) -> dict[str, Any]:
        """Complete a user task as its form would: values are checked and typed against the form's fields.

        ``use_form_defaults`` fills every field not given from its default value. A value the form refuses
        raises :class:`engine.forms.FormValidationError` naming the field; the task stays open.
        """
        task = self.user_task(element_id, name=name, instance=instance)
        values = dict(variables or {})
        if use_form_defaults:
            values = {**self.form_defaults(task), **values}
        done = self.tasklist.complete(task["task_id"], WORKER_ID, values, any_user=True)
        self.run_until_idle()
        return done

    def task_outline(self, task: dict[str, Any]) -> ModelOutline:
        """Names and forms of the model an open user task is in: a called child's for a task inside one."""
        try:
            definition = self.tasklist.task(task["task_id"])["element_definition_id"]
        except NotFoundError:  # no longer open: its instance's model is the best guess left
            definition = self.engine.instance(task["instance_id"]).definition_id
        return self.queries.outline(definition)

    def form_fields(self, task: dict[str, Any]) -> list[Any]:
        return list(self.task_outline(task).forms.get(task["element_id"], []))

    def form_defaults(self, task: dict[str, Any]) -> dict[str, Any]:
        from engine.forms import typed_default

        return {f.id: typed_default(f) for f in self.form_fields(task) if typed_default(f) is not None}

    def publish_message(
        self,
        name: str,
        correlation_key: str | None = None,
        variables: dict[str, Any] | None = None,
        *,
        time_to_live: str | timedelta | float = 0,
        message_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Publish message ``name`` as Camunda 8 does; unclaimed, it is kept for ``time_to_live`` (test clock)."""
        ttl = ManualClock(0).advance(time_to_live)
        publication = self.engine.publish(name, correlation_key, variables, ttl_s=ttl, message_id=message_id)
        self._messages_buffered = self._messages_buffered or publication.buffered
        self.run_until_idle()
        return publication.delivered

    def correlate_message(
        self, name: str, correlation_key: str | None = None, variables: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Deliver message ``name`` now; raises NotFoundError when nothing waits for it (and nothing starts with it)."""
        results = self.engine.correlate(name, correlation_key, variables)
        self.run_until_idle()
        return results

    def evaluate_conditions(self, variables: dict[str, Any]) -> list[ProcessInstance]:
        """Start an instance per process conditional start event whose condition holds, and run them until they wait.

        As Camunda 8 does, no process with a conditional start event starts nothing (no error).
        """
        try:
            started = self.engine.evaluate_start_conditions(variables)
        except NoConditionalStartError:
            started = []
        self.run_until_idle()
        return [ProcessInstance(self, r.instance.id) for r in started]

    def broadcast_signal(self, name: str, variables: dict[str, Any] | None = None) -> None:
        self.engine.signal(name, variables)
        self.run_until_idle()

    def advance(self, duration: str | timedelta | float) -> None:
        """Move the clock forward (``"P3D"``, a timedelta or seconds) and run what falls due."""
        self.clock.advance(duration)

    def set_time(self, instant: str | datetime | float) -> None:
        """Jump the clock to ``instant`` (ISO 8601, a datetime or epoch seconds) and run what falls due."""
        self.clock.set(instant)

    def update_variables(self, instance: ProcessInstance, variables: dict[str, Any]) -> None:
        self.engine.set_variables(instance.id, variables)
        self.run_until_idle()

    def resolve_incidents(self, instance: ProcessInstance) -> int:
        """Resolve the instance's open incidents and run the failed work again (with one more retry)."""
        count = self.engine.retry(instance.id)
        self.run_until_idle()
        return count

    # -- the driver ----------------------------------------------------------------
    def run_until_idle(self) -> int:
        """Fire due timers, deliver messages and answer mocked jobs until nothing is left; returns the steps run."""
        total = 0
        for round_number in range(MAX_ROUNDS):
            # Reads decide what to try, so a round with nothing to do writes nothing.
            types = None if self.stub is not None else list(self.mocks)
            now = self.clock.now()
            # One read says whether anything (a timer, or a job of a mocked type) is due; a second which.
            any_due = self.engine.next_due(types)
            something_due = any_due is not None and any_due <= now
            timer_due = self.engine.next_due([]) if something_due and types != [] else any_due
            progressed = 0
            if self._start_timers_checked_at != now:
                # Timer start events fall due only when the clock moves (or a model is deployed).
                self._start_timers_checked_at = now
                progressed += self.engine.fire_start_timers(WORKER_ID)
            if timer_due is not None and timer_due <= now:
                progressed += self.engine.fire_due_timers(WORKER_ID)
            if something_due and types != []:
                jobs = self.engine.claim_jobs(WORKER_ID, types, max_jobs=100, lock_s=3600.0)
                if jobs:
                    self._answer(jobs)
                progressed += len(jobs)
            progressed += self.engine.deliver_outbox()
            if self._messages_buffered and (round_number == 0 or total):
                # A buffered message may be awaited now: by an instance that moved, or after the clock did.
                progressed += self.engine.sweep_messages()
            if not progressed:
                return total
            total += progressed
        raise AssertionError(
            f"the process did not come to rest after {MAX_ROUNDS} rounds of jobs and timers; "
            "look for a loop that never waits (a mocked job inside a cycle without an exit)"
        )

    def _answer(self, jobs: list[JobRecord]) -> None:
        """Record the mocks' answers to claimed jobs in one transaction, as a worker pool does (group commit)."""
        outcomes = []
        for job in jobs:
            mock = self.mocks.get(job.type) or self.stub
            assert mock is not None, "only mocked types are claimed"
            outcomes.append(mock.outcome(job))
        for outcome, refused in zip(outcomes, self.engine.report_outcomes(WORKER_ID, outcomes), strict=True):
            if refused is not None:
                raise AssertionError(f"the engine refused the mock answer for job type '{outcome.job.type}': {refused}")

    # -- finding -------------------------------------------------------------------
    def instances_of(self, process_id: str) -> list[ProcessInstance]:
        """Every instance of ``process_id``, oldest first."""
        found = self.engine.instances(definition_key=process_id, limit=10_000)
        return [ProcessInstance(self, r.id) for r in sorted(found, key=lambda r: (r.started_at, r.id))]

    def _element_matches(self, task: dict[str, Any], element_id: str | None, name: str | None) -> bool:
        if element_id is not None and task["element_id"] != element_id:
            return False
        if name is not None:
            return bool(self.task_outline(task).names.get(task["element_id"]) == name)
        return True

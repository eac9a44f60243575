"""The engine's public operations: deploy, start, jobs, incidents, timers, user tasks.

Every operation that changes an instance is one step (see ``engine.steps``).
This is the Python API the CLI, the worker pool and the web layer use.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bpmn.options import ParseOptions
from bpmn.script_engine import ExpressionEngine
from engine.condition_evaluation import ConditionalStartResult, ConditionEvaluation
from engine.config import EngineConfig
from engine.definitions import DefinitionRegistry, Deployment
from engine.engine_base import check_variables
from engine.event_operations import EventOperations
from engine.heatmap import Heatmap
from engine.incident_operations import IncidentOperations
from engine.instance_cache import InstanceCache
from engine.instance_operations import InstanceOperations
from engine.job_operations import JobOperations
from engine.job_outcome import JobOutcome
from engine.message_buffer import MessageBuffer, Publication
from engine.migration import MigrationPlan, MigrationResult, Migrations
from engine.modification import Instruction, modification
from engine.retry_policy import RetryPolicy
from engine.sandbox import check_python_script, run_python_script
from engine.spiff.variable_scopes import TaskVariables, VariableScopes
from engine.steps import StepRunner
from engine.store.database import Database, sqlite_url
from engine.store.migrate import ensure_schema
from engine.store.records import IncidentRecord, InstanceRecord, JobRecord
from engine.store.store import Store
from engine.time_travel import TimeTravel
from engine.views import InstanceView
from steadyflow.errors import InvalidInputError, SteadyflowError


def parse_options(config: EngineConfig) -> ParseOptions:
    """What the operator allows in models, as the parser needs to know it."""
    return ParseOptions(python_script_checker=check_python_script if config.allow_python_scripts else None)


class Engine:
    """A steadyflow engine over one database. Thread-safe; open one per process.

    It is made of the services it holds (jobs, incidents, instances, events), each
    built here with what it needs; the methods below are their public faces.
    """

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()
        url = self.config.db_url or sqlite_url(self.config.data_dir)
        self.db = Database(url, durable=self.config.durable)
        ensure_schema(self.db, create_if_empty=self.config.create_schema)
        self.store = Store(self.db)
        # This engine's own script engine: the Python switch never leaks to another Engine in the process.
        scripts = ExpressionEngine(
            run_python_script if self.config.allow_python_scripts else None, clock=self.config.clock
        )
        self.definitions = DefinitionRegistry(self.store, parse_options(self.config), scripts)
        self.decisions = self.definitions.decisions
        """DMN decisions: deployed with the processes, evaluated by business rule tasks and the APIs."""
        self.cache = InstanceCache(self.config.cache_capacity)
        self._job_listeners: list[Callable[[], None]] = []
        self.steps = StepRunner(
            self.store,
            self.definitions,
            self.cache,
            self.config.retry_policy,
            on_jobs_created=self.notify_jobs,
            limits=self.config.expression_limits,
        )
        self.job_ops = JobOperations(self.config, self.db, self.store, self.steps)
        self.incident_ops = IncidentOperations(self.db, self.store, self.steps, self.notify_jobs)
        self.instance_ops = InstanceOperations(self.db, self.store, self.definitions, self.steps, self.job_ops)
        self.event_ops = EventOperations(self.db, self.store, self.definitions, self.steps, self.instance_ops)
        self.conditions = ConditionEvaluation(self.db, self.store, self.definitions, self.steps, self.instance_ops)
        self.message_buffer = MessageBuffer(self.db, self.event_ops, self.instance_ops)
        self.message_buffer.clock = self.config.clock.now
        self.steps.followups.listener = self.message_buffer.on_settled
        self.time_travel = TimeTravel(self.db, self.store, self.definitions, self.steps)
        self.heatmaps = Heatmap(self.db, self.store)
        self.migrations = Migrations(self.db, self.store, self.definitions, self.steps)

    @classmethod
    def open(
        cls, db_url: str | None = None, *, data_dir: str | Path | None = None, retry_policy: RetryPolicy | None = None
    ) -> Engine:
        """Open (and, when empty, initialise) the database at ``db_url`` or the embedded default."""
        base = EngineConfig()
        return cls(
            EngineConfig(
                data_dir=Path(data_dir) if data_dir is not None else base.data_dir,
                db_url=db_url or base.db_url,
                retry_policy=retry_policy or base.retry_policy,
            )
        )

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- listeners ---------------------------------------------------------
    def add_job_listener(self, callback: Callable[[], None]) -> None:
        """``callback()`` runs after a step that created jobs committed (wakes local workers)."""
        self._job_listeners.append(callback)

    def notify_jobs(self) -> None:
        """Tell the listeners that jobs may be ready (a step created some, or an incident was retried)."""
        for callback in list(self._job_listeners):
            callback()

    # -- definitions ---------------------------------------------------------
    def deploy(
        self, files: list[tuple[str, bytes]], *, name: str | None = None, source: str | None = None
    ) -> Deployment:
        """Deploy BPMN files given as (file name, bytes); identical XML is not a new version."""
        return self.definitions.deploy(files, name=name, source=source)

    def deploy_paths(self, paths: list[str | Path]) -> Deployment:
        files = []
        for path in paths:
            p = Path(path)
            try:
                files.append((p.name, p.read_bytes()))
            except OSError as exc:
                raise InvalidInputError(f"cannot read {p}: {exc.strerror or exc}") from exc
        return self.deploy(files)

    # -- instance (InstanceOperations) --
    def instance(self, instance_id: str) -> InstanceRecord:
        return self.instance_ops.instance(instance_id)

    def start(
        self,
        key: str,
        variables: dict[str, Any] | None = None,
        *,
        business_key: str | None = None,
        version: int | None = None,
    ) -> InstanceRecord:
        """Start an instance of the latest (or the given) version of process ``key``."""
        return self.instance_ops.start(key, variables, business_key=business_key, version=version)

    def instances(
        self,
        *,
        state: str | None = None,
        definition_key: str | None = None,
        business_key: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[InstanceRecord]:
        return self.instance_ops.instances(
            state=state, definition_key=definition_key, business_key=business_key, limit=limit, offset=offset
        )

    def view(self, instance_id: str) -> InstanceView:
        """Everything about one instance: activities, variables, jobs, timers, incidents, history."""
        return self.instance_ops.view(instance_id)

    def variables(self, instance_id: str) -> dict[str, Any]:
        """The process scope's variables (never an element's local ones: see ``variable_scopes``)."""
        return self.instance_ops.variables(instance_id)

    def variable_scopes(self, instance_id: str) -> VariableScopes:
        """The process scope's variables and each live element instance's local ones (input mappings, loops)."""
        return self.instance_ops.variable_scopes(instance_id)

    def set_variables(self, instance_id: str, variables: dict[str, Any]) -> None:
        """Set or replace process variables of a running instance (an operator edit)."""
        return self.instance_ops.set_variables(instance_id, variables)

    def task_variables(self, instance_id: str, task_id: str) -> TaskVariables:
        """What an open user task sees (process, enclosing scopes, its own) and its own scope's variables."""
        return self.instance_ops.task_variables(instance_id, task_id)

    def set_task_variables(
        self, instance_id: str, task_id: str, variables: dict[str, Any], *, local: bool = False
    ) -> None:
        """Set variables from an open user task's context: each in the nearest scope holding it, else the process.

        ``local``: in the task's own scope (Camunda 7 ``setVariableLocal``); a new name becomes the
        task's own variable, visible from the task and dropped when it completes.
        """
        return self.instance_ops.set_task_variables(instance_id, task_id, variables, local=local)

    def user_tasks(self, instance_id: str | None = None) -> list[dict[str, Any]]:
        """Open user tasks: instance, task id, element id and name, and the form data the model defines."""
        return self.instance_ops.user_tasks(instance_id)

    def cancel(self, instance_id: str, reason: str | None = None) -> None:
        return self.instance_ops.cancel(instance_id, reason)

    def modify(
        self, instance_id: str, instructions: list[Instruction], reason: str | None = None
    ) -> list[dict[str, Any]]:
        """Cancel, start or move tokens of a running instance, all in one step; returns what was done."""
        return self.steps.run(instance_id, modification(instructions, reason), what="modify")

    # -- migration (Migrations) --
    def migration_plan(self, source_id: str, target_id: str, mapping: dict[str, str] | None = None) -> MigrationPlan:
        """Map the elements of one version onto another: same ids by default, ``mapping`` on top."""
        return self.migrations.plan(source_id, target_id, mapping)

    def migrate(self, plan: MigrationPlan, instance_ids: list[str]) -> MigrationResult:
        """Move each instance to the plan's target version in its own step; refusals say why."""
        return self.migrations.migrate_many(plan, instance_ids)

    # -- time travel (TimeTravel) --
    def steps_of(self, instance_id: str) -> list[dict[str, Any]]:
        """The instance's recorded steps: number, time, state left, and the history events each wrote."""
        return self.time_travel.steps_of(instance_id)

    def at_step(self, instance_id: str, step: int) -> dict[str, Any]:
        """The instance as it was right after ``step`` (activities, element counts, variables)."""
        return self.time_travel.at_step(instance_id, step)

    def rewind(self, instance_id: str, step: int, reason: str | None = None) -> InstanceRecord:
        """Restart the instance from its state right after ``step``: one new step, nothing erased."""
        return self.time_travel.rewind(instance_id, step, reason)

    def heatmap(
        self, key: str, *, version: int | None = None, since: float | None = None, until: float | None = None
    ) -> dict[str, Any]:
        """Per element of process ``key``: completed activity instances, average and p95 duration."""
        return self.heatmaps.of(key, version, since, until)

    # -- job (JobOperations) --
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

        ``lazy_variables``: each job's variables are decoded when first read (for handlers)."""
        return self.job_ops.claim_jobs(
            worker_id, types, max_jobs=max_jobs, lock_s=lock_s, lazy_variables=lazy_variables
        )

    def job(self, job_id: str) -> JobRecord:
        return self.job_ops.job(job_id)

    def store_jobs(self, *, instance_id: str | None = None, state: str | None = None) -> list[JobRecord]:
        """Jobs as stored (for listings and for finding job types nobody serves)."""
        return self.job_ops.store_jobs(instance_id=instance_id, state=state)

    def release_locks(self, worker_id: str, job_ids: list[str], *, unstarted: bool = False) -> None:
        """Give up ``worker_id``'s locks on these jobs; ``unstarted`` ones also get their attempt back."""
        return self.job_ops.release_locks(worker_id, job_ids, unstarted=unstarted)

    def extend_locks(self, worker_id: str, job_ids: list[str], lock_s: float) -> None:
        return self.job_ops.extend_locks(worker_id, job_ids, lock_s)

    def complete_job(
        self,
        job_id: str,
        variables: dict[str, Any] | None = None,
        *,
        worker_id: str | None = None,
        instance_id: str | None = None,
    ) -> None:
        """The job's handler succeeded with ``variables``: continue the instance."""
        return self.job_ops.complete_job(job_id, variables, worker_id=worker_id, instance_id=instance_id)

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
        return self.job_ops.fail_job(
            job_id,
            error,
            details=details,
            worker_id=worker_id,
            instance_id=instance_id,
            retries=retries,
            retry_in_s=retry_in_s,
            error_type=error_type,
            retryable=retryable,
        )

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
        return self.job_ops.postpone_job(job_id, delay_s, worker_id=worker_id, message=message, instance_id=instance_id)

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
        return self.job_ops.throw_error(job_id, code, message, variables, worker_id=worker_id, instance_id=instance_id)

    def report_outcomes(self, worker_id: str, outcomes: list[JobOutcome]) -> list[SteadyflowError | None]:
        """Apply what handlers returned, as one step each, committed together (group commit)."""
        return self.job_ops.report_outcomes(worker_id, outcomes)

    # -- incident (IncidentOperations) --
    def incidents(self, instance_id: str | None = None) -> list[IncidentRecord]:
        return self.incident_ops.incidents(instance_id)

    def retry(self, instance_id: str, *, retries: int = 1) -> int:
        """Resolve every open incident of the instance and run the failed work again; returns how many."""
        return self.incident_ops.retry(instance_id, retries=retries)

    # -- event (EventOperations) --
    def fire_due_timers(self, owner: str, *, limit: int = 100) -> int:
        """Fire every timer that is due now; returns how many were handled."""
        return self.event_ops.fire_due_timers(owner, limit=limit)

    def next_due(self, types: list[str] | None) -> float | None:
        return self.event_ops.next_due(types)

    def complete_user_task(self, instance_id: str, task_id: str, variables: dict[str, Any] | None = None) -> None:
        return self.event_ops.complete_user_task(instance_id, task_id, variables)

    def correlate(
        self,
        name: str,
        correlation_key: str | None = None,
        variables: dict[str, Any] | None = None,
        *,
        message_id: str | None = None,
        business_key: str | None = None,
        instance_id: str | None = None,
        correlation_variables: dict[str, Any] | None = None,
        all: bool = False,
        start_instances: bool = True,
    ) -> list[dict[str, Any]]:
        """Deliver message ``name`` to the instance waiting for it (or to all with ``all``)."""
        return self.event_ops.correlate(
            name,
            correlation_key,
            variables,
            message_id=message_id,
            business_key=business_key,
            instance_id=instance_id,
            correlation_variables=correlation_variables,
            all=all,
            start_instances=start_instances,
        )

    def publish(
        self,
        name: str,
        correlation_key: str | None,
        variables: dict[str, Any] | None = None,
        *,
        ttl_s: float = 0.0,
        message_id: str | None = None,
    ) -> Publication:
        """Publish message ``name`` as Camunda 8 does: delivered where awaited now, kept ``ttl_s`` seconds.

        One instance per process takes it (the oldest waiting), processes with a matching message
        start event start; an instance that waits for it later, within its time to live, takes it then.
        """
        return self.message_buffer.publish(name, correlation_key, variables, ttl_s=ttl_s, message_id=message_id)

    def message_subscriptions(self, instance_id: str) -> list[dict[str, Any]]:
        """What the instance waits for now (messages and signals), oldest first."""
        with self.db.read() as conn:
            return self.store.subscriptions(conn, instance_id)

    def sweep_messages(self) -> int:
        """Forget expired buffered messages and deliver live ones to instances waiting for them."""
        return self.message_buffer.sweep()

    def signal(self, name: str, variables: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Broadcast signal ``name``: every waiting instance catches it; signal start events start instances."""
        return self.event_ops.signal(name, variables)

    def evaluate_start_conditions(
        self,
        variables: dict[str, Any] | None = None,
        *,
        business_key: str | None = None,
        definition_id: str | None = None,
    ) -> list[ConditionalStartResult]:
        """Start an instance per process conditional start event whose condition holds over ``variables``.

        Every latest version is judged, or only ``definition_id``; see ``engine.condition_evaluation``.
        """
        return self.conditions.evaluate(variables, business_key=business_key, definition_id=definition_id)

    def fire_start_timers(self, owner: str, *, limit: int = 20) -> int:
        """Start instances for timer start events that are due; reschedule cycles."""
        return self.event_ops.fire_start_timers(owner, limit=limit)

    def deliver_outbox(self, *, limit: int = 100) -> int:
        """Deliver messages and signals that committed steps threw; returns how many were handled."""
        return self.event_ops.deliver_outbox(limit=limit)


__all__ = ["Engine", "check_variables"]

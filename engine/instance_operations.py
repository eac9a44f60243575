"""Instance operations: start, list and inspect instances, edit variables, cancel."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from bpmn.process_conditions import starts_only_by_condition
from engine import instance_triggers
from engine.definitions import DefinitionRegistry, LatestDefinitionMoved
from engine.engine_base import check_variables
from engine.instance_cache import LiveInstance
from engine.job_operations import JobOperations
from engine.message_once import MessageOnce
from engine.spiff.checkpoint import Persisted
from engine.spiff.codec import decode_value
from engine.spiff.restore import new_workflow
from engine.spiff.variable_scopes import (
    TaskVariables,
    VariableScopes,
    task_variables,
    variable_scopes,
    visible_variables,
)
from engine.steps import StepRunner
from engine.store.database import Connection, Database
from engine.store.records import DefinitionRecord, InstanceRecord
from engine.store.store import Store
from engine.views import InstanceView, build_instance_view
from steadyflow.errors import InvalidInputError, NotFoundError


class InstanceOperations:
    """The instances service of an engine: start, list, inspect, edit variables, cancel."""

    def __init__(
        self, db: Database, store: Store, definitions: DefinitionRegistry, steps: StepRunner, jobs: JobOperations
    ) -> None:
        self.db, self.store, self.definitions, self.steps, self.jobs = db, store, definitions, steps, jobs

    def instance(self, instance_id: str) -> InstanceRecord:
        with self.db.read() as conn:
            found = self.store.instance(conn, instance_id)
        if found is None:
            raise NotFoundError(f"process instance {instance_id} does not exist; list them with 'steadyflow instances'")
        return found

    def start(
        self,
        key: str,
        variables: dict[str, Any] | None = None,
        *,
        business_key: str | None = None,
        version: int | None = None,
    ) -> InstanceRecord:
        """Start an instance of the latest (or the given) version of process ``key``.

        The latest version this process read last time is used without a read of its own and checked
        in the start's transaction (one indexed read); if a newer one was deployed meanwhile, nothing
        was written and the start looks the latest up again.
        """
        values = check_variables(variables)
        remembered = self.definitions.remembered_latest(key) if version is None else None
        if remembered is not None:
            try:
                return self.start_definition(
                    remembered, values, business_key, check=self.definitions.latest_check(remembered)
                )
            except LatestDefinitionMoved:
                pass
        definition = self.definitions.resolve(key, version)
        return self.start_definition(definition, values, business_key)

    def start_definition(
        self,
        definition: DefinitionRecord,
        values: dict[str, Any],
        business_key: str | None,
        via: tuple[str, str] | None = None,
        once: MessageOnce | None = None,
        check: Callable[[Connection], None] | None = None,
    ) -> InstanceRecord:
        """Create the instance and run its first step; ``via`` = (kind, name) of the start event it came by.

        ``once``: the message id this start correlates, recorded in the same transaction. ``check``: run
        first in that transaction (``DefinitionRegistry.latest_check``).
        """
        model = self.definitions.model(definition)
        if via is None and starts_only_by_condition(model.spec):
            raise InvalidInputError(
                f"process '{definition.key}' (version {definition.version}) starts only by condition: its start "
                "events are conditional, so an ordinary start would wait forever; evaluate the conditions instead "
                "(POST /engine-rest/condition, POST /v2/conditionals/evaluation, POST /api/v1/conditions/evaluate "
                "or 'steadyflow evaluate-conditions')"
            )
        instance_id = str(uuid.uuid4())
        now = self.definitions.clock.now()
        row = new_instance_row(instance_id, definition, business_key, now)

        def make_live() -> LiveInstance:
            workflow = new_workflow(
                model.spec,
                model.subprocess_specs,
                script_engine=self.definitions.script_engine,
                definition_id=definition.id,
            )
            return LiveInstance(workflow, Persisted(), 0)

        trigger = instance_triggers.start(definition.id, values, business_key, via, once)
        started = self.steps.run_new(row, make_live, trigger, retry_conflicts=once is not None, check=check)
        if once is not None:
            once.committed({"instance_id": instance_id, "element_id": None, "started": True})
        return started

    def instances(
        self,
        *,
        state: str | None = None,
        definition_key: str | None = None,
        business_key: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[InstanceRecord]:
        with self.db.read() as conn:
            return self.store.list_instances(
                conn, state=state, definition_key=definition_key, business_key=business_key, limit=limit, offset=offset
            )

    def view(self, instance_id: str) -> InstanceView:
        """Everything about one instance: activities, variables, jobs, timers, incidents, history."""
        instance = self.instance(instance_id)
        with self.db.read() as conn:
            rows = self.store.task_rows(conn, instance_id)
            jobs = self.store.jobs(conn, instance_id=instance_id)
            incidents = self.store.incidents(conn, instance_id)
            events = self.store.events(conn, instance_id)
            timers = self.store.timers(conn, instance_id)
        jobs = self.jobs.with_values(jobs)
        variables = self.variables(instance_id)
        return build_instance_view(instance, rows, jobs, incidents, events, timers, variables)

    def variables(self, instance_id: str) -> dict[str, Any]:
        return self.steps.read(instance_id, visible_variables)

    def variable_scopes(self, instance_id: str) -> VariableScopes:
        """The process scope's variables and each live element instance's local ones.

        A waiting job task's locals are read from its job row, as its worker received them.
        """

        def job_locals(wanted: dict[str, frozenset[str]]) -> dict[str, dict[str, Any]]:
            with self.db.read() as conn:
                manifests = self.store.job_variable_manifests(conn, instance_id)
                picked = {
                    task_id: {k: h for k, h in manifest.items() if k in wanted[task_id]}
                    for task_id, manifest in manifests.items()
                    if task_id in wanted
                }
                texts = self.steps.blob_texts({h for hashes in picked.values() for h in hashes.values()}, conn)
            return {
                task_id: {k: decode_value(texts[h]) for k, h in hashes.items()} for task_id, hashes in picked.items()
            }

        return self.steps.read(instance_id, lambda workflow: variable_scopes(workflow, job_locals=job_locals))

    def set_variables(self, instance_id: str, variables: dict[str, Any]) -> None:
        """Set or replace process variables of a running instance (an operator edit)."""
        values = check_variables(variables)

        self.steps.run(instance_id, instance_triggers.set_variables(values), what="set variables")

    def task_variables(self, instance_id: str, task_id: str) -> TaskVariables:
        """What an open user task sees, and its own scope's variables."""
        return self.steps.read(instance_id, lambda workflow: task_variables(workflow, task_id))

    def set_task_variables(
        self, instance_id: str, task_id: str, variables: dict[str, Any], *, local: bool = False
    ) -> None:
        """Set variables from an open user task's context: each in the nearest scope holding it, else the process.

        ``local``: in the task's own scope; a name none of its input mappings makes becomes the task's own.
        """
        values = check_variables(variables)
        trigger = instance_triggers.set_user_task_variables(task_id, values, local=local)
        self.steps.run(instance_id, trigger, what="set variables")

    def user_tasks(self, instance_id: str | None = None) -> list[dict[str, Any]]:
        """Open user tasks: instance, task id, element id and name, and the form data the model defines."""
        with self.db.read() as conn:
            return self.store.open_user_tasks(conn, instance_id)

    def cancel(self, instance_id: str, reason: str | None = None) -> None:
        self.steps.run(instance_id, instance_triggers.cancel(reason), what="cancel")


def new_instance_row(
    instance_id: str, definition: DefinitionRecord, business_key: str | None, now: float
) -> dict[str, Any]:
    """The instances row of a new instance, as its first step finds it (version 0, nothing happened yet)."""
    return {
        "id": instance_id,
        "definition_id": definition.id,
        "definition_key": definition.key,
        "business_key": business_key,
        "state": "running",
        "version": 0,
        "event_seq": 0,
        "open_incidents": 0,
        "frame": "",
        "started_at": now,
        "updated_at": now,
        "ended_at": None,
    }

"""Migration: move running instances from one version of a process to another, with an element mapping.

A plan names the source and target versions and maps source element ids to target ones; elements
with the same id in both map by default. Each instance migrates in its own step: its tokens must all
have a counterpart of the same kind in the target, or it is refused with the element and the reason
and nothing of it changes. A batch migrates many instances (named, or every running instance of the
source version), each on its own, and reports which moved and why the others did not, like the
batch retry and cancel (``engine.batch``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine import history
from engine.definitions import DefinitionRegistry
from engine.intents import JobUpdate
from engine.spiff.children import is_call_key
from engine.spiff.migrate import child_scopes, element_ids, kind_mismatches, migrate_workflow, unmatched_tokens
from engine.step_core import StepContext
from engine.steps import StepRunner
from engine.store.database import Database
from engine.store.records import DefinitionRecord
from engine.store.store import Store
from steadyflow.errors import ConflictError, InvalidInputError, NotFoundError, SteadyflowError

MAX_BATCH = 1000


@dataclass(frozen=True)
class MigrationPlan:
    source: DefinitionRecord
    target: DefinitionRecord
    mapping: dict[str, str]
    """Every source element id that has a counterpart -> that counterpart's id."""
    unmapped: list[str]
    """Source elements without a counterpart: an instance with a token there cannot migrate."""

    def as_json(self) -> dict[str, Any]:
        return {
            "sourceDefinitionId": self.source.id,
            "targetDefinitionId": self.target.id,
            "sourceVersion": self.source.version,
            "targetVersion": self.target.version,
            "mapping": dict(sorted(self.mapping.items())),
            "unmapped": self.unmapped,
        }


@dataclass
class MigrationResult:
    plan: MigrationPlan
    migrated: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    """Instance id -> why it stayed on the source version."""

    def as_json(self) -> dict[str, Any]:
        return {"plan": self.plan.as_json(), "migrated": self.migrated, "refused": self.refused}


class Migrations:
    """Plans (generate and check a mapping), instance checks, and the migration steps themselves."""

    def __init__(self, db: Database, store: Store, definitions: DefinitionRegistry, steps: StepRunner) -> None:
        self.db, self.store, self.definitions, self.steps = db, store, definitions, steps

    def _definition(self, definition_id: str, what: str) -> DefinitionRecord:
        with self.db.read() as conn:
            found = self.store.definition(conn, definition_id)
        if found is None:
            raise NotFoundError(f"{what} definition {definition_id!r} does not exist; see GET /api/v1/definitions")
        return found

    def plan(
        self, source_id: str, target_id: str, overrides: dict[str, str] | None = None, *, same_ids: bool = True
    ) -> MigrationPlan:
        """The mapping from ``source_id`` to ``target_id``: same ids (unless not ``same_ids``), ``overrides`` on top."""
        source = self._definition(source_id, "source")
        target = self._definition(target_id, "target")
        if source.key != target.key:
            raise InvalidInputError(
                f"definitions {source.id} and {target.id} are different processes ('{source.key}' and "
                f"'{target.key}'); instances migrate between versions of one process"
            )
        if source.id == target.id:
            raise InvalidInputError(f"source and target are the same definition ({source.id}); pick another version")
        source_elements = element_ids(self.definitions.model(source))
        target_elements = element_ids(self.definitions.model(target))
        mapping = {e: e for e in source_elements if e in target_elements} if same_ids else {}
        if not isinstance(overrides, dict | None):
            raise InvalidInputError("the mapping must be an object of source element id -> target element id")
        for left, right in (overrides or {}).items():
            if not isinstance(left, str) or not isinstance(right, str):
                raise InvalidInputError("the mapping must map source element ids to target element ids (strings)")
            if left not in source_elements:
                raise InvalidInputError(f"the mapping names '{left}', which version {source.version} does not have")
            if right not in target_elements:
                raise InvalidInputError(
                    f"the mapping maps '{left}' to '{right}', which version {target.version} does not have"
                )
            mapping[left] = right
        unmapped = sorted(e for e in source_elements if e not in mapping)
        return MigrationPlan(source, target, mapping, unmapped)

    def elements(self, definition: DefinitionRecord) -> set[str]:
        """The element ids of one version (its subprocesses' too)."""
        return element_ids(self.definitions.model(definition))

    def problems(self, plan: MigrationPlan, instance_id: str) -> list[str]:
        """Why ``instance_id`` cannot migrate by ``plan`` now (empty: it can); changes nothing."""
        with self.db.read() as conn:
            instance = self.store.instance(conn, instance_id)
            rows = self.store.task_rows(conn, instance_id) if instance is not None else []
        if instance is None:
            return [f"process instance {instance_id} does not exist"]
        if instance.state != "running":
            return [f"instance {instance_id} is {instance.state}; only running instances migrate"]
        if instance.definition_id != plan.source.id:
            return [f"instance {instance_id} runs on {instance.definition_id}, not on {plan.source.id}"]
        model = self.definitions.model(plan.target)
        found = [
            f"a token at '{element}' ({task_id}): {why}"
            for element, task_id, why in unmatched_tokens(rows, instance.frame, model, plan.mapping)
        ]
        return found + kind_mismatches(rows, model, plan.mapping, instance.frame)

    def migrate(self, plan: MigrationPlan, instance_id: str) -> None:
        """Move one instance to the plan's target version, as one step."""
        model = self.definitions.model(plan.target)
        engine = self.definitions.script_engine
        renamed = {k: v for k, v in plan.mapping.items() if k != v}

        def trigger(ctx: StepContext) -> None:
            instance = ctx.instance
            if instance.state != "running":
                raise ConflictError(f"instance {instance.id} is {instance.state}; only running instances migrate")
            if instance.definition_id != plan.source.id:
                raise ConflictError(
                    f"instance {instance.id} runs on {instance.definition_id}, not on {plan.source.id} that the "
                    "plan migrates from"
                )
            persisted = ctx.live.persisted
            rows = [memory.row for memory in persisted.tasks.values()]
            problems = [
                f"a token at '{element}' ({task_id}): {why}"
                for element, task_id, why in unmatched_tokens(rows, persisted.frame, model, plan.mapping)
            ]
            problems += kind_mismatches(rows, model, plan.mapping, persisted.frame)
            if problems:
                raise ConflictError(
                    f"instance {instance.id} cannot move to version {plan.target.version}: {'; '.join(problems)}. "
                    "Map those elements to elements of the target version, or move the tokens first"
                )
            live_specs = ctx.live.workflow.subprocess_specs
            children = {key: spec for key, spec in live_specs.items() if is_call_key(key)}
            ctx.live.workflow = migrate_workflow(
                persisted, model, plan.mapping, engine, children=children, definition_id=plan.target.id
            )
            ctx.definition_id = plan.target.id
            ctx.advance = False
            in_children = child_scopes(persisted.frame)
            moved = [
                r
                for r in rows
                if r.element_id in renamed and r.kind == "job" and r.state == 32 and r.workflow_id not in in_children
            ]
            for row in moved:
                for job_id in ctx.reads.job_ids_of_tasks(instance.id, [row.id]):
                    ctx.add(JobUpdate(job_id, {"element_id": renamed[str(row.element_id)]}))
            ctx.record(history.instance_migrated(plan.source.id, plan.target.id, renamed))

        self.steps.run(instance_id, trigger, what="migrate")

    def running_on(self, definition_id: str, limit: int = MAX_BATCH) -> list[str]:
        """Ids of the running instances of one definition (a batch's filter)."""
        record = self._definition(definition_id, "source")
        with self.db.read() as conn:
            found = self.store.list_instances(conn, state="running", definition_key=record.key, limit=100_000)
        return [i.id for i in found if i.definition_id == definition_id][:limit]

    def migrate_many(self, plan: MigrationPlan, instance_ids: list[str]) -> MigrationResult:
        """Each instance in its own step; a refused one is reported and the others go on."""
        if len(instance_ids) > MAX_BATCH:
            raise InvalidInputError(f"a migration may name at most {MAX_BATCH} instances, not {len(instance_ids)}")
        result = MigrationResult(plan)
        for instance_id in dict.fromkeys(instance_ids):
            try:
                self.migrate(plan, instance_id)
            except SteadyflowError as exc:
                result.refused[instance_id] = exc.message
                continue
            result.migrated.append(instance_id)
        return result

"""Condition evaluation: start an instance for each process conditional start event whose condition holds.

As Camunda does (``bpmn.process_conditions`` has the rules): only the latest
version of each process subscribes, unless one definition is named, whose own
events are judged then, whatever its version. Every condition is judged first,
then the instances start, so a condition that cannot be evaluated starts
nothing. Each start is the instance's first step (one per true event), with
the given variables and business key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bpmn.clock import engine_clock
from bpmn.expressions.limits import expression_limits
from bpmn.process_conditions import conditional_process_starts, holds
from engine.definitions import DefinitionRegistry
from engine.engine_base import check_variables
from engine.instance_operations import InstanceOperations
from engine.steps import StepRunner
from engine.store.database import Database
from engine.store.records import DefinitionRecord, InstanceRecord
from engine.store.store import Store
from steadyflow.errors import NoConditionalStartError, NotFoundError


@dataclass(frozen=True)
class ConditionalStartResult:
    """An instance a condition evaluation started, and the start event whose condition held."""

    instance: InstanceRecord
    element_id: str


class ConditionEvaluation:
    """The condition evaluation service of an engine."""

    def __init__(
        self,
        db: Database,
        store: Store,
        definitions: DefinitionRegistry,
        steps: StepRunner,
        instances: InstanceOperations,
    ) -> None:
        self.db, self.store, self.definitions, self.steps, self.instances = db, store, definitions, steps, instances

    def evaluate(
        self,
        variables: dict[str, Any] | None,
        *,
        business_key: str | None = None,
        definition_id: str | None = None,
    ) -> list[ConditionalStartResult]:
        """Start an instance per conditional start event whose condition holds over ``variables``.

        Raises NoConditionalStartError when no latest version has a conditional start event (or
        ``definition_id`` has none), NotFoundError for an unknown ``definition_id``, and
        InvalidInputError, before anything starts, when a condition cannot be evaluated.
        """
        values = check_variables(variables)
        subscribed = self._subscribed(definition_id)
        chosen: list[tuple[DefinitionRecord, str]] = []
        with engine_clock(self.definitions.clock), expression_limits(self.steps.expression_limits):
            for definition in subscribed:
                for start in conditional_process_starts(self.definitions.model(definition).spec):
                    if holds(start, values, definition.key):
                        chosen.append((definition, start.element_id))
        results = []
        for definition, element_id in chosen:
            instance = self.instances.start_definition(
                definition, values, business_key, via=("conditional", element_id)
            )
            results.append(ConditionalStartResult(instance, element_id))
        return results

    def _subscribed(self, definition_id: str | None) -> list[DefinitionRecord]:
        """The definitions whose conditional start events are judged."""
        if definition_id is not None:
            with self.db.read() as conn:
                named = self.store.definition(conn, definition_id)
            if named is None:
                raise NotFoundError(
                    f"process definition {definition_id} does not exist; list the deployed ones with "
                    "GET /api/v1/definitions"
                )
            if not self._has_conditional_start(named):
                raise NoConditionalStartError(
                    f"process definition {definition_id} ('{named.key}', version {named.version}) has no conditional "
                    "start event; name a definition that has one, or none to evaluate every process",
                    definition_id=definition_id,
                )
            return [named]
        with self.db.read() as conn:
            latest: dict[str, DefinitionRecord] = {}
            for definition in self.store.definitions(conn):
                latest[definition.key] = definition  # ordered by key, version: the last one wins
        found = [d for d in latest.values() if self._has_conditional_start(d)]
        if not found:
            raise NoConditionalStartError(
                "no deployed process has a conditional start event in its latest version, so no condition was "
                "evaluated; deploy a process whose start event is conditional",
                definition_id=None,
            )
        return found

    def _has_conditional_start(self, definition: DefinitionRecord) -> bool:
        return bool(conditional_process_starts(self.definitions.model(definition).spec))


__all__ = ["ConditionEvaluation", "ConditionalStartResult"]

"""Events from outside a step's trigger: timers, user tasks, messages and signals."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from bpmn.timers import Schedule, next_due
from engine import instance_triggers
from engine.definitions import DefinitionRegistry
from engine.engine_base import check_variables
from engine.instance_operations import InstanceOperations
from engine.message_once import AlreadyCorrelated, MessageOnce
from engine.spiff.events import start_events
from engine.steps import StepRunner
from engine.store.database import Database
from engine.store.store import Store
from steadyflow.errors import NotFoundError, SteadyflowError

log = logging.getLogger(__name__)


class EventOperations:
    """The events service of an engine: timers, user tasks, messages, signals, the outbox."""

    def __init__(
        self,
        db: Database,
        store: Store,
        definitions: DefinitionRegistry,
        steps: StepRunner,
        instances: InstanceOperations,
    ) -> None:
        self.db, self.store, self.definitions, self.steps, self.instances = db, store, definitions, steps, instances

    # -- timers ----------------------------------------------------------------
    def fire_due_timers(self, owner: str, *, limit: int = 100) -> int:
        """Fire every timer that is due now; returns how many were handled."""

        def claim() -> list[tuple[str, str]]:
            with self.db.write() as conn:
                return self.store.claim_timers(
                    conn, owner=owner, now=self.definitions.clock.now(), limit=limit, lock_s=60.0
                )

        fired = 0
        for timer_id, instance_id in self.db.retrying(claim, what="claim timers"):
            try:
                self.steps.run(instance_id, instance_triggers.fire_timer(timer_id), what=f"fire timer {timer_id}")
                fired += 1
            except NotFoundError:
                continue
        return fired

    def next_due(self, types: list[str] | None) -> float | None:
        with self.db.read() as conn:
            return self.store.next_due(conn, types)

    # -- user tasks ------------------------------------------------------------
    def complete_user_task(self, instance_id: str, task_id: str, variables: dict[str, Any] | None = None) -> None:
        values = check_variables(variables)

        trigger = instance_triggers.complete_user_task(task_id, values)
        self.steps.run(instance_id, trigger, what=f"complete user task {task_id}")

    # -- messages and signals -------------------------------------------------------
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
        """Deliver message ``name`` to the instance waiting for it (or to all with ``all``).

        Matching is by correlation key (Camunda 8), business key, instance id or
        variable values (Camunda 7). With no waiting instance, a process with a
        matching message start event is started. A ``message_id`` seen before is
        not correlated again: the first result is returned.
        """
        values = check_variables(variables)
        if message_id is not None:
            with self.db.read() as conn:
                previous = self.store.message_result(conn, message_id)
            if previous is not None:
                return list(json.loads(previous))
        with self.db.read() as conn:
            candidates = self.store.find_subscriptions(
                conn,
                "message",
                name,
                correlation_key=correlation_key,
                business_key=business_key,
                instance_id=instance_id,
            )
        if correlation_variables:
            candidates = [
                c for c in candidates if _matches(self.instances.variables(c["instance_id"]), correlation_variables)
            ]
        once = MessageOnce(message_id, name) if message_id is not None else None
        try:
            results = self._correlate(
                name, values, candidates, once, business_key, all, start_instances and not instance_id
            )
        except AlreadyCorrelated as first:
            return first.results
        if not results:
            key = f" with correlation key {correlation_key!r}" if correlation_key is not None else ""
            raise NotFoundError(
                f"no process instance waits for message '{name}'{key}, and no deployed process starts with it; "
                "check the message name and key"
            )
        return results

    def _correlate(
        self,
        name: str,
        values: dict[str, Any],
        candidates: list[dict[str, Any]],
        once: MessageOnce | None,
        business_key: str | None,
        all: bool,
        may_start: bool,
    ) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        for candidate in candidates:
            if self.deliver(candidate, "message", name, values, once, results) and not all:
                break
        if not results and may_start:
            for definition in self.definitions_starting_with("message", name):
                instance = self.instances.start_definition(
                    definition, values, business_key, via=("message", name), once=once
                )
                results.append({"instance_id": instance.id, "element_id": None, "started": True})
                break
        return results

    def signal(self, name: str, variables: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Broadcast signal ``name``: every waiting instance catches it; signal start events start instances."""
        values = check_variables(variables)
        return self._broadcast(name, values, exclude=None)

    def _broadcast(self, name: str, values: dict[str, Any], exclude: str | None) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            candidates = self.store.find_subscriptions(conn, "signal", name)
        results: list[dict[str, Any]] = []
        for candidate in candidates:
            if candidate["instance_id"] == exclude:
                continue
            self.deliver(candidate, "signal", name, values, None, results)
        for definition in self.definitions_starting_with("signal", name):
            instance = self.instances.start_definition(definition, values, None, via=("signal", name))
            results.append({"instance_id": instance.id, "element_id": None, "started": True})
        return results

    def deliver(
        self,
        candidate: dict[str, Any],
        kind: str,
        name: str,
        values: dict[str, Any],
        once: MessageOnce | None,
        results: list[dict[str, Any]],
    ) -> bool:
        """Deliver to one waiting task; on success its entry is appended to ``results``."""
        delivered = instance_triggers.delivered_entry(candidate)
        trigger = instance_triggers.deliver_event(candidate, kind, name, values, once)
        try:
            caught = self.steps.run(
                candidate["instance_id"], trigger, what=f"deliver {kind} {name}", retry_conflicts=once is not None
            )
        except NotFoundError:
            return False
        if caught:
            if once is not None:
                once.committed(delivered)
            results.append(delivered)
        return caught

    def definitions_starting_with(self, kind: str, name: str) -> list[Any]:
        with self.db.read() as conn:
            latest: dict[str, Any] = {}
            for definition in self.store.definitions(conn):
                latest[definition.key] = definition  # ordered by key, version: the last one wins
        found = []
        for definition in latest.values():
            model = self.definitions.model(definition)
            if any(s.kind == kind and s.name == name for s in start_events(model.spec)):
                found.append(definition)
        return found

    def fire_start_timers(self, owner: str, *, limit: int = 20) -> int:
        """Start instances for timer start events that are due; reschedule cycles."""

        def claim() -> list[dict[str, Any]]:
            with self.db.write() as conn:
                return self.store.claim_start_timers(
                    conn, owner=owner, now=self.definitions.clock.now(), limit=limit, lock_s=60.0
                )

        started = 0
        for row in self.db.retrying(claim, what="claim timer start events"):
            try:
                definition = self.definitions.resolve(row["definition_key"])
                self.instances.start_definition(definition, {}, None, via=None)
                started += 1
            except SteadyflowError as exc:
                log.warning("timer start event %s could not start an instance: %s", row["id"], exc)
            schedule = Schedule(row["kind"], row["expression"])
            after = next_due(schedule, datetime.fromtimestamp(row["due_at"], UTC), row["cycles_left"])

            def reschedule(row_id: str = row["id"], after: Any = after) -> None:
                with self.db.write() as conn:
                    self.store.reschedule_start_timer(
                        conn, row_id, after[0].timestamp() if after else None, after[1] if after else None
                    )

            self.db.retrying(reschedule, what="reschedule a timer start event")
        return started

    def deliver_outbox(self, *, limit: int = 100) -> int:
        """Deliver messages and signals that committed steps threw; returns how many were handled."""

        def take() -> list[dict[str, Any]]:
            with self.db.read() as conn:
                return self.store.outbox(conn, limit)

        rows = self.db.retrying(take, what="read the outbox")
        for row in rows:
            payload = json.loads(row["payload"])
            try:
                if row["kind"] == "signal":
                    self._broadcast(row["name"], payload, exclude=row["instance_id"])
                else:
                    self.correlate(row["name"], None, payload, start_instances=True)
            except NotFoundError:
                pass  # a message nobody waits for is dropped, as Camunda 7 does for throw events

            def remove(row_id: int = row["id"]) -> None:
                with self.db.write() as conn:
                    self.store.delete_outbox(conn, [row_id])

            self.db.retrying(remove, what="clear the outbox")
        return len(rows)


def _matches(variables: dict[str, Any], expected: dict[str, Any]) -> bool:
    return all(variables.get(name) == value for name, value in expected.items())

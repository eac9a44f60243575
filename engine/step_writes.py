"""The rows a step writes, gathered so that many steps write each table with one statement.

A step computes everything it will write before writing any of it; a batch of
steps (group commit) then writes all their task rows with one executemany, all
their history events with another, and so on, instead of a handful of
statements per step. A single step flushes its own writes straight away, in
the same transaction, so both paths write the same rows in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.store.database import Connection
from engine.store.store import Store
from steadyflow.errors import ConcurrentStepError


@dataclass
class InstanceUpdate:
    """The instance row's new values, written only if the row is still at ``expected_version``."""

    instance_id: str
    expected_version: int
    values: dict[str, Any]


@dataclass
class StepWrites:
    blobs: dict[str, str] = field(default_factory=dict)
    task_upserts: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """(instance id, task id) -> the row; a later step's row replaces an earlier one's."""
    task_deletes: list[tuple[str, str]] = field(default_factory=list)
    """(instance id, task id) of task rows that are gone."""
    job_deletes: list[tuple[str, str]] = field(default_factory=list)
    """(instance id, task id) whose jobs are over: done, cancelled or interrupted."""
    jobs: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    instances: dict[str, InstanceUpdate] = field(default_factory=dict)
    """One update per instance: several steps of one instance in a batch make one compare-and-set."""

    def __bool__(self) -> bool:
        return bool(
            self.blobs
            or self.task_upserts
            or self.task_deletes
            or self.job_deletes
            or self.jobs
            or self.events
            or self.instances
        )

    def update_instance(self, instance_id: str, expected_version: int, values: dict[str, Any]) -> None:
        earlier = self.instances.get(instance_id)
        if earlier is None:
            self.instances[instance_id] = InstanceUpdate(instance_id, expected_version, values)
        else:  # still compared with the version before the first step, which nobody else could change
            earlier.values = {**earlier.values, **values}

    def absorb(self, other: StepWrites) -> None:
        """Take over ``other``'s rows, after this one's (``other`` is a later step)."""
        self.blobs.update(other.blobs)
        self.task_upserts.update(other.task_upserts)
        self.task_deletes.extend(other.task_deletes)
        self.job_deletes.extend(other.job_deletes)
        self.jobs.extend(other.jobs)
        self.events.extend(other.events)
        for update in other.instances.values():
            self.update_instance(update.instance_id, update.expected_version, update.values)

    def flush(self, store: Store, conn: Connection) -> None:
        """Write everything gathered so far, one statement per table and shape.

        Jobs of ended tasks go before new jobs are inserted (a step may end one job of a
        task and create the next); the instance rows come last, compare-and-set on their
        version: if any moved on meanwhile, the whole transaction must not commit.
        """
        store.insert_blobs(conn, dict(sorted(self.blobs.items())))  # one order for all: no deadlock on PostgreSQL
        store.upsert_task_rows(conn, list(self.task_upserts.values()))
        store.delete_task_rows(conn, self.task_deletes)
        store.delete_jobs_of_tasks(conn, self.job_deletes)
        store.insert_jobs(conn, self.jobs)
        store.insert_events(conn, self.events)
        updates = [(u.instance_id, u.expected_version, u.values) for u in self.instances.values()]
        updated = store.update_instances(conn, updates)
        if updated != len(self.instances):
            raise ConcurrentStepError(
                f"{len(self.instances) - updated} of {len(self.instances)} instances changed during the step"
            )

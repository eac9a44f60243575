"""Incidents: list them, and retry the failed work once its cause is fixed."""

from __future__ import annotations

from collections.abc import Callable

from engine import instance_triggers
from engine.steps import StepRunner
from engine.store.database import Database
from engine.store.records import IncidentRecord
from engine.store.store import Store
from steadyflow.errors import InvalidInputError


class IncidentOperations:
    """The incidents service of an engine."""

    def __init__(self, db: Database, store: Store, steps: StepRunner, notify_jobs: Callable[[], None]) -> None:
        self.db, self.store, self.steps, self.notify_jobs = db, store, steps, notify_jobs

    def incidents(self, instance_id: str | None = None) -> list[IncidentRecord]:
        with self.db.read() as conn:
            return self.store.open_incidents(conn, instance_id)

    def retry(self, instance_id: str, *, retries: int = 1) -> int:
        """Resolve every open incident of the instance and run the failed work again; returns how many."""
        if retries < 1:
            raise InvalidInputError("retries must be at least 1")
        count = self.steps.run(instance_id, instance_triggers.retry(retries), what=f"retry instance {instance_id}")
        self.notify_jobs()
        return count

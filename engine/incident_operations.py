"""Incidents: list them, and retry the failed work once its cause is fixed."""

from __future__ import annotations

from engine import instance_triggers
from engine.engine_base import EngineBase
from engine.store.records import IncidentRecord
from steadyflow.errors import InvalidInputError


class IncidentOperations(EngineBase):
    def incidents(self, instance_id: str | None = None) -> list[IncidentRecord]:
        with self.db.read() as conn:
            return self.store.open_incidents(conn, instance_id)

    def retry(self, instance_id: str, *, retries: int = 1) -> int:
        """Resolve every open incident of the instance and run the failed work again; returns how many."""
        if retries < 1:
            raise InvalidInputError("retries must be at least 1")

        count = self.steps.run(instance_id, instance_triggers.retry(retries), what=f"retry instance {instance_id}")
        self._notify_jobs()
        return count

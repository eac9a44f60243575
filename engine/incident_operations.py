"""Incidents: list them, and retry the failed work once its cause is fixed."""

from __future__ import annotations

from engine.engine_base import EngineBase
from engine.intents import JobUpdate
from engine.spiff.runtime import retry_failed_task
from engine.step_core import StepContext, resolve_incident
from engine.store.records import IncidentRecord
from steadyflow.errors import ConflictError, InvalidInputError


class IncidentOperations(EngineBase):
    def incidents(self, instance_id: str | None = None) -> list[IncidentRecord]:
        with self.db.read() as conn:
            return self.store.open_incidents(conn, instance_id)

    def retry(self, instance_id: str, *, retries: int = 1) -> int:
        """Resolve every open incident of the instance and run the failed work again; returns how many."""
        if retries < 1:
            raise InvalidInputError("retries must be at least 1")

        def trigger(ctx: StepContext) -> int:
            open_incidents = ctx.reads.open_incidents(instance_id)
            if not open_incidents:
                raise ConflictError(f"instance {instance_id} has no open incident to retry")
            for incident in open_incidents:
                if incident.job_id is not None:
                    values = {
                        "state": "ready",
                        "retries_left": retries,
                        "due_at": ctx.now,
                        "lock_owner": None,
                        "lock_expires_at": None,
                    }
                    ctx.add(JobUpdate(incident.job_id, values))
                else:
                    retry_failed_task(ctx.workflow, incident.task_id)
                resolve_incident(ctx, incident)
            ctx.jobs_created = True
            return len(open_incidents)

        count = self.steps.run(instance_id, trigger, what=f"retry instance {instance_id}")
        self._notify_jobs()
        return count

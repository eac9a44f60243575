"""What the Camunda 7 REST subset asks of the engine beyond its core API.

Listings with Camunda's filters, claiming jobs per external-task topic (each
topic with its own lock duration and filters), and setting a job's retries the
way Camunda's ``PUT .../retries`` does. Built over an :class:`Engine` without
changing it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from engine.engine import Engine
from engine.instance_models import CallScopes
from engine.intents import JobUpdate
from engine.spiff.codec import content_hash, encode_value
from engine.step_core import StepContext, raise_job_incident, resolve_incident
from engine.store import rest_queries as sql
from engine.store.records import DefinitionRecord, IncidentRecord
from engine.store.rest_queries import ClaimedJob, IncidentQuery, InstanceQuery, JobQuery, TopicClaim
from steadyflow.errors import InvalidInputError, NotFoundError


def value_hash(value: Any) -> str:
    """The content address under which the engine stores ``value`` (see engine.spiff.codec)."""
    return content_hash(encode_value(value))


class RestQueries:
    """Reads and the few writes of the Camunda 7 REST layer, over one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.db = engine.db

    # -- definitions and deployments ------------------------------------------------------------
    def definitions(self) -> list[DefinitionRecord]:
        with self.db.read() as conn:
            return self.engine.store.definitions(conn)

    def definition(self, definition_id: str) -> DefinitionRecord:
        with self.db.read() as conn:
            found = self.engine.store.definition(conn, definition_id)
        if found is None:
            raise NotFoundError(f"No matching process definition with id {definition_id}")
        return found

    def definition_xml(self, definition: DefinitionRecord) -> tuple[str, str]:
        """The deployed XML of ``definition`` and the file name it came from."""
        with self.db.read() as conn:
            return self.engine.store.deployment_xml(conn, definition.deployment_id)

    def deployments(self) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return sql.deployments(conn)

    # -- instances ------------------------------------------------------------------------------
    def instances(
        self, query: InstanceQuery, *, sort: str = "startTime", descending: bool = False, limit: int | None, offset: int
    ) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return sql.instance_rows(conn, query, sort=sort, descending=descending, limit=limit, offset=offset)

    def instance_count(self, query: InstanceQuery) -> int:
        with self.db.read() as conn:
            return sql.instance_count(conn, query)

    def active_activities(self, instance_id: str) -> tuple[list[dict[str, Any]], CallScopes]:
        """The instance's active task rows and which model each of their workflows runs, read together."""
        with self.db.read() as conn:
            rows = sql.active_activity_rows(conn, instance_id)
            instance = self.engine.store.instance(conn, instance_id)
        if instance is None:
            raise NotFoundError(f"Process instance with id {instance_id} does not exist")
        return rows, CallScopes.of(instance.definition_id, instance.frame)

    def incidents(self, query: IncidentQuery) -> list[tuple[IncidentRecord, str]]:
        with self.db.read() as conn:
            return sql.incidents(conn, query)

    def message_waiters(self, name: str, *, business_key: str | None, instance_id: str | None) -> list[dict[str, Any]]:
        """Running instances' tasks waiting for message ``name`` (one entry per waiting task)."""
        with self.db.read() as conn:
            return self.engine.store.find_subscriptions(
                conn, "message", name, business_key=business_key, instance_id=instance_id
            )

    # -- external tasks -------------------------------------------------------------------------
    def jobs(self, query: JobQuery, *, limit: int | None = None, offset: int = 0) -> list[ClaimedJob]:
        with self.db.read() as conn:
            found = sql.jobs(conn, query, now=self.engine.config.clock.now(), limit=limit, offset=offset)
        return self._with_values(found)

    def job_count(self, query: JobQuery) -> int:
        with self.db.read() as conn:
            return sql.job_count(conn, query, now=self.engine.config.clock.now())

    def job(self, job_id: str) -> ClaimedJob:
        found = self.jobs(JobQuery(job_id=job_id), limit=1)
        if not found:
            raise NotFoundError(f"External task with id {job_id} does not exist")
        return found[0]

    def fetchable_exists(self, topics: Sequence[str]) -> bool:
        with self.db.read() as conn:
            return sql.fetchable_exists(conn, topics, self.engine.config.clock.now())

    def claim(
        self,
        worker_id: str,
        topics: Sequence[TopicClaim],
        *,
        limit: int,
        use_priority: bool = False,
        newest_first: bool | None = None,
    ) -> list[ClaimedJob]:
        """Lock up to ``limit`` jobs of ``topics`` for ``worker_id``; two callers never get the same job."""

        def claim() -> list[ClaimedJob]:
            with self.db.write() as conn:
                return sql.claim_for_topics(
                    conn,
                    owner=worker_id,
                    topics=topics,
                    limit=limit,
                    now=self.engine.config.clock.now(),
                    use_priority=use_priority,
                    newest_first=newest_first,
                )

        return self._with_values(self.db.retrying(claim, what="fetch and lock external tasks"))

    def with_values(self, claimed: list[ClaimedJob]) -> list[ClaimedJob]:
        """Claimed jobs with their variables' values (jobs store blob hashes)."""
        return self._with_values(claimed)

    def _with_values(self, claimed: list[ClaimedJob]) -> list[ClaimedJob]:
        decoded = self.engine.job_ops.with_values([c.job for c in claimed])
        return [replace(c, job=job) for c, job in zip(claimed, decoded, strict=True)]

    def set_job_retries(self, job_id: str, retries: int) -> None:
        """Camunda's ``PUT .../retries``: 0 raises an incident, more resolves the job's incident and runs it again."""
        if retries < 0:
            raise InvalidInputError("The number of retries cannot be negative.")
        instance_id = self.job(job_id).job.instance_id

        def trigger(ctx: StepContext) -> None:
            ctx.advance = False
            job = ctx.reads.job(job_id)
            if job is None:
                raise NotFoundError(f"External task with id {job_id} does not exist")
            if retries == 0:
                if job.state != "incident":
                    message = job.last_error or "retries were set to 0"
                    raise_job_incident(ctx, job, "failedJob", message, job.error_details)
                return
            values: dict[str, Any] = {"retries_left": retries}
            if job.state == "incident":
                values |= {"state": "ready", "due_at": ctx.now, "lock_owner": None, "lock_expires_at": None}
                for incident in ctx.reads.open_incidents(ctx.instance.id):
                    if incident.job_id == job_id:
                        resolve_incident(ctx, incident, resolution=f"job retries set to {retries} over the REST API")
                ctx.jobs_created = True
            ctx.add(JobUpdate(job_id, values))

        self.engine.steps.run(instance_id, trigger, what=f"set retries of job {job_id}")
        self.engine.notify_jobs()


__all__ = ["ClaimedJob", "IncidentQuery", "InstanceQuery", "JobQuery", "RestQueries", "TopicClaim", "value_hash"]

"""What a step may read besides its instance: jobs, incidents, message ids.

A step reads through ``StepReads`` only, never through a connection, so its core
runs without a database in tests (``MemoryReads``). In a batch, reads see the
writes of the batch's earlier steps (``PendingWrites``) as if they had
committed: a step that completes the job an earlier step of the same batch
created finds it.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Protocol

from engine.store import decisions as decision_sql
from engine.store.database import Connection
from engine.store.decisions import DecisionDefinitionRecord
from engine.store.records import DefinitionRecord, IncidentRecord, JobRecord
from engine.store.store import Store
from engine.writer import PendingWrites


class StepReads(Protocol):
    def job(self, job_id: str) -> JobRecord | None:
        """The job as the step starts (locked until the step commits, on PostgreSQL)."""

    def job_ids_of_tasks(self, instance_id: str, task_ids: Sequence[str]) -> list[str]:
        """Ids of the jobs these tasks have."""

    def open_incidents(self, instance_id: str) -> list[IncidentRecord]:
        """The instance's open incidents, oldest first."""

    def message_result(self, message_id: str) -> str | None:
        """The stored result of a message id correlated before, or None."""

    def decision_definition(self, key: str, version: int | None) -> DecisionDefinitionRecord | None:
        """The deployed decision ``key`` (its latest version unless one is named), or None."""

    def deployment_xml(self, deployment_id: str) -> tuple[str, str]:
        """A deployed file's XML and name (the DMN file a decision definition came from)."""

    def process_definition(
        self, key: str, *, version: int | None = None, version_tag: str | None = None
    ) -> DefinitionRecord | None:
        """The deployed process ``key``: that version, else the newest with that tag, else the newest."""

    def process_definition_by_id(self, definition_id: str) -> DefinitionRecord | None:
        """One deployed process definition, or None."""


def job_record(row: dict[str, Any]) -> JobRecord:
    """A ``jobs`` row as the step writes it, read back as a record."""
    m = dict(row)
    for key in ("variables", "headers", "retry_policy"):
        if isinstance(m[key], str):
            m[key] = json.loads(m[key])
    return JobRecord(**{k: m[k] for k in JobRecord.__dataclass_fields__ if k in m})


class _Overlay(ABC):
    """Rows as the store has them (the subclass reads those), changed by the pending writes of earlier steps."""

    def __init__(self, pending: PendingWrites | None = None) -> None:
        self.pending = pending if pending is not None else PendingWrites()

    @abstractmethod
    def _stored_job(self, job_id: str) -> JobRecord | None: ...

    @abstractmethod
    def _stored_job_ids(self, instance_id: str, task_ids: Sequence[str]) -> list[str]: ...

    @abstractmethod
    def _stored_open_incidents(self, instance_id: str) -> list[IncidentRecord]: ...

    @abstractmethod
    def _stored_message_result(self, message_id: str) -> str | None: ...

    def job(self, job_id: str) -> JobRecord | None:
        created = self.pending.job_inserts.get(job_id)
        if created is not None:
            return job_record(created)
        stored = self._stored_job(job_id)
        if stored is None or (stored.instance_id, stored.task_id) in self.pending.job_task_deletes:
            return None
        values = self.pending.job_updates.get(job_id)
        if values:
            decoded = {
                k: json.loads(v) if k in ("variables", "headers", "retry_policy") else v for k, v in values.items()
            }
            stored = replace(stored, **decoded)
        return stored

    def job_ids_of_tasks(self, instance_id: str, task_ids: Sequence[str]) -> list[str]:
        if not task_ids:
            return []
        gone = self.pending.job_task_deletes
        still_stored = [t for t in task_ids if (instance_id, t) not in gone]
        stored = self._stored_job_ids(instance_id, still_stored) if still_stored else []
        created = [j for t in dict.fromkeys(task_ids) for j in self.pending.inserted_jobs_of(instance_id, t)]
        return [j for j in stored if j not in self.pending.job_inserts] + created

    def open_incidents(self, instance_id: str) -> list[IncidentRecord]:
        resolved = self.pending.incident_resolves
        found = [i for i in self._stored_open_incidents(instance_id) if i.id not in resolved]
        found.extend(
            IncidentRecord(**row)
            for row in self.pending.incident_inserts.values()
            if row["instance_id"] == instance_id and row["state"] == "open"
        )
        return found

    def message_result(self, message_id: str) -> str | None:
        pending = self.pending.messages.get(message_id)
        return pending.result if pending is not None else self._stored_message_result(message_id)


class StoreReads(_Overlay):
    """Reads through the step's own transaction."""

    def __init__(
        self,
        store: Store,
        conn: Connection,
        pending: PendingWrites | None = None,
        jobs: dict[str, JobRecord] | None = None,
    ) -> None:
        super().__init__(pending)
        self.store, self.conn = store, conn
        self.prefetched = jobs or {}
        """Job rows a batch read and locked up front, as they were before the batch."""

    def _stored_job(self, job_id: str) -> JobRecord | None:
        found = self.prefetched.get(job_id)
        if found is None:
            found = self.store.job(self.conn, job_id, lock=True)
            if found is not None:
                self.prefetched[job_id] = found
        return found

    def _stored_job_ids(self, instance_id: str, task_ids: Sequence[str]) -> list[str]:
        return self.store.job_ids_of_tasks(self.conn, instance_id, list(task_ids))

    def _stored_open_incidents(self, instance_id: str) -> list[IncidentRecord]:
        return self.store.open_incidents(self.conn, instance_id)

    def _stored_message_result(self, message_id: str) -> str | None:
        return self.store.message_result(self.conn, message_id)

    def decision_definition(self, key: str, version: int | None) -> DecisionDefinitionRecord | None:
        if version is None:
            return decision_sql.latest(self.conn, key)
        return decision_sql.version(self.conn, key, version)

    def deployment_xml(self, deployment_id: str) -> tuple[str, str]:
        return self.store.deployment_xml(self.conn, deployment_id)

    def process_definition(
        self, key: str, *, version: int | None = None, version_tag: str | None = None
    ) -> DefinitionRecord | None:
        if version is not None:
            return self.store.definition_version(self.conn, key, version)
        if version_tag is not None:
            return self.store.latest_tagged_definition(self.conn, key, version_tag)
        return self.store.latest_definition(self.conn, key)

    def process_definition_by_id(self, definition_id: str) -> DefinitionRecord | None:
        return self.store.definition(self.conn, definition_id)


class MemoryReads(_Overlay):
    """Reads from plain data: the step core's tests, with no database."""

    def __init__(self) -> None:
        super().__init__()
        self.jobs: dict[str, JobRecord] = {}
        self.incidents: list[IncidentRecord] = []
        self.messages: dict[str, str] = {}
        self.decisions: dict[str, list[DecisionDefinitionRecord]] = {}
        self.files: dict[str, tuple[str, str]] = {}
        self.processes: list[DefinitionRecord] = []

    def _stored_job(self, job_id: str) -> JobRecord | None:
        return self.jobs.get(job_id)

    def _stored_job_ids(self, instance_id: str, task_ids: Sequence[str]) -> list[str]:
        return [j.id for j in self.jobs.values() if j.instance_id == instance_id and j.task_id in task_ids]

    def _stored_open_incidents(self, instance_id: str) -> list[IncidentRecord]:
        return [i for i in self.incidents if i.instance_id == instance_id and i.state == "open"]

    def _stored_message_result(self, message_id: str) -> str | None:
        return self.messages.get(message_id)

    def decision_definition(self, key: str, version: int | None) -> DecisionDefinitionRecord | None:
        found = [d for d in self.decisions.get(key, []) if version is None or d.version == version]
        return max(found, key=lambda d: d.version) if found else None

    def deployment_xml(self, deployment_id: str) -> tuple[str, str]:
        return self.files[deployment_id]

    def process_definition(
        self, key: str, *, version: int | None = None, version_tag: str | None = None
    ) -> DefinitionRecord | None:
        found = [
            d
            for d in self.processes
            if d.key == key
            and (version is None or d.version == version)
            and (version is not None or version_tag is None or d.version_tag == version_tag)
        ]
        return max(found, key=lambda d: d.version) if found else None

    def process_definition_by_id(self, definition_id: str) -> DefinitionRecord | None:
        return next((d for d in self.processes if d.id == definition_id), None)

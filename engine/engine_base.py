"""What every part of the engine's API shares: the database, the store, the step runner."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from engine.config import EngineConfig
from engine.definitions import DefinitionRegistry
from engine.instance_cache import InstanceCache
from engine.spiff.codec import decode_value
from engine.steps import StepRunner
from engine.store.database import Database
from engine.store.records import InstanceRecord, JobRecord
from engine.store.store import Store
from steadyflow.errors import InvalidInputError, NotFoundError


def check_variables(variables: Any, what: str = "variables") -> dict[str, Any]:
    """Variables must be a JSON object with string names; say exactly what is wrong otherwise."""
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise InvalidInputError(f"{what} must be a JSON object of name -> value, not {type(variables).__name__}")
    for name in variables:
        if not isinstance(name, str) or not name:
            raise InvalidInputError(f"{what}: every variable needs a non-empty string name (got {name!r})")
    try:
        json.dumps(variables, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{what} must be plain JSON values: {exc}") from exc
    return dict(variables)


class EngineBase:
    """Attributes and small reads the operation groups (jobs, incidents, events) build on."""

    config: EngineConfig
    db: Database
    store: Store
    definitions: DefinitionRegistry
    cache: InstanceCache
    steps: StepRunner
    _job_listeners: list[Callable[[], None]]

    def instance(self, instance_id: str) -> InstanceRecord:
        with self.db.read() as conn:
            found = self.store.instance(conn, instance_id)
        if found is None:
            raise NotFoundError(f"process instance {instance_id} does not exist; list them with 'steadyflow instances'")
        return found

    def _with_values(self, jobs: list[JobRecord]) -> list[JobRecord]:
        """Jobs store their variables as blob hashes; give callers the values."""
        hashes = {h for job in jobs for h in job.variables.values()}
        if not hashes:
            return jobs
        texts = self.steps.blob_texts(hashes)
        return [
            replace(job, variables={name: decode_value(texts[h]) for name, h in job.variables.items()}) for job in jobs
        ]

    def _notify_jobs(self) -> None:
        for callback in list(self._job_listeners):
            callback()

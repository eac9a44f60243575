"""The engine's public operations: deploy, start, jobs, incidents, timers, user tasks.

Every operation that changes an instance is one step (see ``engine.steps``).
This is the Python API the CLI, the worker pool and the web layer use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bpmn.options import ParseOptions
from bpmn.script_engine import ExpressionEngine
from engine.config import EngineConfig
from engine.definitions import DefinitionRegistry, Deployment
from engine.engine_base import check_variables
from engine.event_operations import EventOperations
from engine.incident_operations import IncidentOperations
from engine.instance_cache import InstanceCache
from engine.job_operations import JobOperations
from engine.retry_policy import RetryPolicy
from engine.sandbox import check_python_script, run_python_script
from engine.steps import StepRunner
from engine.store.database import Database, sqlite_url
from engine.store.migrate import ensure_schema
from engine.store.store import Store
from steadyflow.errors import (
    InvalidInputError,
)


def parse_options(config: EngineConfig) -> ParseOptions:
    """What the operator allows in models, as the parser needs to know it."""
    return ParseOptions(python_script_checker=check_python_script if config.allow_python_scripts else None)


class Engine(JobOperations, IncidentOperations, EventOperations):
    """A steadyflow engine over one database. Thread-safe; open one per process."""

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()
        url = self.config.db_url or sqlite_url(self.config.data_dir)
        self.db = Database(url)
        ensure_schema(self.db, create_if_empty=self.config.create_schema)
        self.store = Store(self.db)
        # This engine's own script engine: the Python switch never leaks to another Engine in the process.
        scripts = ExpressionEngine(run_python_script if self.config.allow_python_scripts else None)
        self.definitions = DefinitionRegistry(self.store, parse_options(self.config), scripts)
        self.cache = InstanceCache(self.config.cache_capacity)
        self._job_listeners: list[Any] = []
        self.steps = StepRunner(
            self.store, self.definitions, self.cache, self.config.retry_policy, on_jobs_created=self._notify_jobs
        )

    @classmethod
    def open(
        cls, db_url: str | None = None, *, data_dir: str | Path | None = None, retry_policy: RetryPolicy | None = None
    ) -> Engine:
        """Open (and, when empty, initialise) the database at ``db_url`` or the embedded default."""
        base = EngineConfig()
        return cls(
            EngineConfig(
                data_dir=Path(data_dir) if data_dir is not None else base.data_dir,
                db_url=db_url or base.db_url,
                retry_policy=retry_policy or base.retry_policy,
            )
        )

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- listeners ---------------------------------------------------------
    def add_job_listener(self, callback: Any) -> None:
        """``callback()`` runs after a step that created jobs committed (wakes local workers)."""
        self._job_listeners.append(callback)

    # -- definitions ---------------------------------------------------------
    def deploy(
        self, files: list[tuple[str, bytes]], *, name: str | None = None, source: str | None = None
    ) -> Deployment:
        """Deploy BPMN files given as (file name, bytes); identical XML is not a new version."""
        return self.definitions.deploy(files, name=name, source=source)

    def deploy_paths(self, paths: list[str | Path]) -> Deployment:
        files = []
        for path in paths:
            p = Path(path)
            try:
                files.append((p.name, p.read_bytes()))
            except OSError as exc:
                raise InvalidInputError(f"cannot read {p}: {exc.strerror or exc}") from exc
        return self.deploy(files)

    # -- instances -----------------------------------------------------------


__all__ = ["Engine", "check_variables"]

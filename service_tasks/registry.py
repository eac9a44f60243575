"""Which handler runs which job type: the built-ins plus installed plugins.

Third-party packages add handlers without touching steadyflow by declaring an
entry point in the ``steadyflow.service_tasks`` group; its name is the job
type and the object it loads is the handler::

    [project.entry-points."steadyflow.service_tasks"]
    send-invoice = "acme_billing.handlers:send_invoice"

One broken plugin must not stop the engine from starting, so an entry point
that fails to load, loads something that is not callable, or names a type that
is already registered is skipped with a warning naming it. Built-ins win over
plugins of the same name; an application that really wants to replace one
calls ``register(..., replace=True)`` explicitly.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from importlib import metadata
from typing import cast

from engine.handlers import Handler, HandlerSet
from service_tasks import basic, database_creation, http_connector, replication
from steadyflow.errors import InvalidInputError

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "steadyflow.service_tasks"

BUILTIN_HANDLERS: tuple[tuple[str, Handler], ...] = (
    (database_creation.JOB_TYPE, database_creation.create_database),
    (replication.JOB_TYPE, replication.create_replication),
    ("log", basic.log_variables),
    ("noop", basic.noop),
    (http_connector.CAMUNDA_JOB_TYPE, http_connector.http_connector),
    (http_connector.SHORT_JOB_TYPE, http_connector.http_connector),
)


class ServiceTaskRegistry:
    """A thread-safe mapping of job type to handler, from which worker handler sets are cut."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()

    @classmethod
    def default(cls, load_entry_points: bool = True) -> ServiceTaskRegistry:
        """The built-in handlers, plus every installed plugin unless told not to."""
        registry = cls()
        for job_type, handler in BUILTIN_HANDLERS:
            registry.register(job_type, handler)
        if load_entry_points:
            registry.load_entry_points()
        return registry

    def register(self, job_type: str, handler: Handler, *, replace: bool = False) -> None:
        """Make ``handler`` run jobs of ``job_type``; refuse to shadow one silently."""
        if not isinstance(job_type, str) or not job_type or job_type != job_type.strip():
            raise InvalidInputError(
                f"job type {job_type!r} is not valid: use a non-empty name without "
                "surrounding spaces, e.g. 'create-database'"
            )
        if not callable(handler):
            raise InvalidInputError(f"handler for job type '{job_type}' is not callable: {handler!r}")
        with self._lock:
            if job_type in self._handlers and not replace:
                raise InvalidInputError(
                    f"a handler for job type '{job_type}' is already registered; pass replace=True to replace it"
                )
            self._handlers[job_type] = handler

    def get(self, job_type: str) -> Handler | None:
        with self._lock:
            return self._handlers.get(job_type)

    def types(self) -> list[str]:
        with self._lock:
            return sorted(self._handlers)

    def handler_set(self, disabled: Iterable[str] = ()) -> HandlerSet:
        """A snapshot for the worker pool, without the ``disabled`` job types.

        Unknown names in ``disabled`` are only warned about: a configuration that
        disables a plugin which is not installed here should still start.
        """
        off = set(disabled)
        with self._lock:
            handlers = {t: h for t, h in self._handlers.items() if t not in off}
            unknown = sorted(off - set(self._handlers))
        if unknown:
            log.warning("cannot disable unknown job type(s): %s", ", ".join(unknown))
        return HandlerSet(handlers=handlers)

    def load_entry_points(self, entry_points: Iterable[metadata.EntryPoint] | None = None) -> list[str]:
        """Register handlers from entry points (installed ones by default); return the types added."""
        if entry_points is None:
            entry_points = metadata.entry_points(group=ENTRY_POINT_GROUP)
        added: list[str] = []
        for ep in entry_points:
            label = f"'{ep.name} = {ep.value}'"
            if self.get(ep.name) is not None:
                log.warning(
                    "skipping service task entry point %s: job type '%s' is already registered",
                    label,
                    ep.name,
                )
                continue
            try:
                loaded: object = ep.load()
            except Exception as exc:  # noqa: BLE001 - a plugin's import may fail in any way
                log.warning(
                    "skipping broken service task entry point %s: %s: %s",
                    label,
                    type(exc).__name__,
                    exc,
                )
                continue
            if not callable(loaded):
                log.warning(
                    "skipping service task entry point %s: it loads %r, which is not callable",
                    label,
                    loaded,
                )
                continue
            try:
                self.register(ep.name, cast(Handler, loaded))
            except InvalidInputError as exc:
                log.warning("skipping service task entry point %s: %s", label, exc)
                continue
            added.append(ep.name)
        return added

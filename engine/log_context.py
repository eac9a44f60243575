"""Which instance, job and element a log line is about, and the JSON log format that says so.

The step runner and the worker set these context variables around the work
they do (``with log_context(instance_id=..., job_id=...)``); every log record
emitted inside, by the engine or by a handler, carries them. Threads get their
own values: a context variable set in one handler thread is not seen by another.
``--log-format json`` installs :class:`JsonLogFormatter`: one JSON object per line.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

instance_id_var: ContextVar[str | None] = ContextVar("steadyflow_instance_id", default=None)
job_id_var: ContextVar[str | None] = ContextVar("steadyflow_job_id", default=None)
element_id_var: ContextVar[str | None] = ContextVar("steadyflow_element_id", default=None)

_VARS = {"instance_id": instance_id_var, "job_id": job_id_var, "element_id": element_id_var}


@contextmanager
def log_context(
    *, instance_id: str | None = None, job_id: str | None = None, element_id: str | None = None
) -> Iterator[None]:
    """Tag log lines emitted inside with these ids (None leaves the outer value in place)."""
    given = {"instance_id": instance_id, "job_id": job_id, "element_id": element_id}
    tokens = [(_VARS[name], _VARS[name].set(value)) for name, value in given.items() if value is not None]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def current_ids() -> dict[str, str]:
    """The ids known here, only those that are set."""
    return {name: value for name, var in _VARS.items() if (value := var.get()) is not None}


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the ids in context, and any exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "thread": record.threadName,
        }
        entry.update(current_ids())
        for name in _VARS:  # ids passed explicitly with extra={...} win over the context
            value = record.__dict__.get(name)
            if isinstance(value, str):
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str, log_format: str) -> None:
    """Install one stderr handler with the chosen format (``text`` or ``json``) on the root logger.

    Like ``logging.basicConfig``, it leaves a root logger that already has handlers alone
    (an embedding application, or pytest, configured logging itself).
    """
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonLogFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(getattr(logging, level))


__all__ = ["JsonLogFormatter", "configure_logging", "current_ids", "log_context"]

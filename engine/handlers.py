"""What a job handler sees and what it may signal back to the engine.

A handler is any callable ``handler(job: JobContext) -> Mapping | None``. It runs
outside every instance lock. It returns output variables, or raises:

* :class:`BpmnError` to throw a BPMN error that an error boundary event catches;
* :class:`RetryLater` to be called again after a delay without using a retry
  (long-running work such as waiting for a database to come up);
* :class:`NonRetryableError` to raise an incident at once;
* anything else: a transient failure, retried by the job's retry policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class JobContext:
    """One attempt of one job, as handed to a handler."""

    job_id: str
    job_type: str
    instance_id: str
    element_id: str
    business_key: str | None
    variables: Mapping[str, Any]
    headers: Mapping[str, str]
    attempt: int
    """1 on the first attempt, 2 on the first retry, and so on."""
    idempotency_key: str
    """Stable across every attempt of this job: use it to make side effects happen once."""
    data_dir: Path
    """The engine's data directory (the embedded default keeps its files here)."""
    retries_left: int = 0


class Handler(Protocol):
    def __call__(self, job: JobContext) -> Mapping[str, Any] | None: ...


class BpmnError(Exception):
    """Throw a BPMN error with ``code``; an error boundary event with that code catches it."""

    def __init__(self, code: str, message: str = "", variables: Mapping[str, Any] | None = None) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.variables: dict[str, Any] = dict(variables or {})


class RetryLater(Exception):
    """Call the handler again after ``delay_s`` seconds; no retry is used."""

    def __init__(self, delay_s: float, message: str = "not ready yet") -> None:
        super().__init__(message)
        self.delay_s = max(0.0, float(delay_s))
        self.message = message


class NonRetryableError(Exception):
    """A failure that no retry can fix: the job raises an incident at once."""


@dataclass
class HandlerSet:
    """Handlers by job type, as the worker pool looks them up."""

    handlers: dict[str, Handler] = field(default_factory=dict)

    def get(self, job_type: str) -> Handler | None:
        return self.handlers.get(job_type)

    def types(self) -> list[str]:
        return sorted(self.handlers)

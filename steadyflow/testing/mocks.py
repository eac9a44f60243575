"""Mocked job workers for process tests: what a job type answers, attempt by attempt.

``mock_job("create-database").returns({"databaseId": "db-1"})`` completes every
job of that type; ``.fails(times=2)`` makes the first two attempts fail first
(the engine's retry policy decides what happens next, as with a real worker);
``.throws_bpmn_error("QUOTA")`` routes the job to an error boundary event.
Each job a mock answers is recorded in :attr:`JobMock.calls`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.job_outcome import JobOutcome
from engine.store.records import JobRecord

Answer = Callable[[dict[str, Any]], dict[str, Any]]
JobAnswer = Callable[[JobRecord], dict[str, Any]]


@dataclass(frozen=True)
class _Step:
    kind: str  # complete | fail | error
    variables: dict[str, Any] | Answer = field(default_factory=dict)
    job_answer: JobAnswer | None = None
    code: str = ""
    message: str = ""


@dataclass(frozen=True)
class JobCall:
    """One job a mock answered: its element, the variables it was given, and what the mock did."""

    job_id: str
    instance_id: str
    element_id: str
    variables: dict[str, Any]
    attempt: int
    answer: str


class JobMock:
    """The answers of one job type; built fluently, run by the process test's driver."""

    def __init__(self, job_type: str) -> None:
        self.job_type = job_type
        self._failures: list[_Step] = []
        self._final = _Step("complete")
        self.calls: list[JobCall] = []

    # -- building ----------------------------------------------------------------
    def returns(self, variables: dict[str, Any] | None = None) -> JobMock:
        """Complete each job with ``variables`` (after any failures asked for with :meth:`fails`)."""
        self._final = _Step("complete", dict(variables or {}))
        return self

    def answers(self, answer: Answer) -> JobMock:
        """Complete each job with what ``answer(job_variables)`` returns (for results that depend on the input)."""
        self._final = _Step("complete", answer)
        return self

    def answers_job(self, answer: JobAnswer) -> JobMock:
        """Complete each job with what ``answer(job)`` returns (the job row: element, instance, headers)."""
        self._final = _Step("complete", job_answer=answer)
        return self

    def throws_bpmn_error(self, code: str, message: str = "", variables: dict[str, Any] | None = None) -> JobMock:
        """Throw BPMN error ``code`` from each job (caught by a matching error boundary or event subprocess)."""
        self._final = _Step("error", dict(variables or {}), code=code, message=message)
        return self

    def fails(self, times: int = 1, message: str = "mocked failure") -> JobMock:
        """Fail the next ``times`` attempts (each uses up one retry), then answer as configured."""
        if times < 1:
            raise ValueError(f"fails(times={times}) for job type {self.job_type!r}: times must be at least 1")
        self._failures.extend(_Step("fail", message=message) for _ in range(times))
        return self

    # -- running -----------------------------------------------------------------
    def outcome(self, job: JobRecord) -> JobOutcome:
        """What this mock answers for one claimed job (recorded by the driver, in one batch with the others)."""
        step = self._failures.pop(0) if self._failures else self._final
        variables = dict(job.variables)
        self.calls.append(JobCall(job.id, job.instance_id, job.element_id, variables, job.attempt, step.kind))
        if step.kind == "fail":
            return JobOutcome(job, "fail", message=step.message)
        if step.job_answer is not None:
            result = step.job_answer(job)
        else:
            result = step.variables(variables) if callable(step.variables) else dict(step.variables)
        if step.kind == "error":
            return JobOutcome(job, "error", result, message=step.message, code=step.code)
        return JobOutcome(job, "complete", result)

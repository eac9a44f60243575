"""The one exception tree of steadyflow.

Every error a user can see derives from :class:`SteadyflowError`. Messages say
what failed, on which object, and what to do next::

    SteadyflowError
    ├── ModelError                  a BPMN file cannot be deployed or run
    │   └── ModelValidationError    one or more problems, each with element id and line
    ├── ExpressionError             a FEEL/JUEL expression
    │   ├── ExpressionSyntaxError   cannot be parsed (found at deploy time)
    │   └── ExpressionEvaluationError  failed at run time (becomes an incident)
    │       └── DecisionEvaluationError  a DMN decision failed; names decision and input
    ├── NotFoundError               unknown definition, instance, job or handler
    │   ├── CalledProcessNotFoundError  a call activity's process (or version, tag) is not deployed
    │   └── NoConditionalStartError  no process (or not the one named) has a conditional start event
    ├── InvalidInputError           bad variables, bad arguments
    ├── ConflictError               the object is not in a state that allows this
    │   └── ConcurrentStepError     another step of the same instance won; retried
    ├── StepFailedError             a step of a batch raised something unexpected; refused alone
    └── StoreError                  the database cannot be used
        └── SchemaOutdatedError     the schema is older than the code

The web layer and the CLI map these to HTTP status codes and exit codes in one
place each; nothing else catches them to print tracebacks.
"""

from __future__ import annotations

from dataclasses import dataclass


class SteadyflowError(Exception):
    """Root of every error steadyflow raises on purpose."""

    code: str = "steadyflow_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or risky) in a model, located as precisely as we can."""

    message: str
    element_id: str | None = None
    line: int | None = None
    column: int | None = None
    file: str | None = None
    hint: str | None = None
    severity: str = "error"  # "error" refuses the deployment; "warning" does not

    def describe(self) -> str:
        where = self.file or "<model>"
        if self.line is not None:
            where += f":{self.line}"
        parts = [where]
        if self.element_id:
            parts.append(f"element '{self.element_id}'")
        text = ", ".join(parts) + f": {self.severity}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "message": self.message,
            "element_id": self.element_id,
            "line": self.line,
            "column": self.column,
            "file": self.file,
            "hint": self.hint,
        }


class ModelError(SteadyflowError):
    code = "model_error"


class ModelValidationError(ModelError):
    """A model was refused; ``problems`` lists every reason at once."""

    code = "model_invalid"

    def __init__(self, problems: list[Problem], file: str | None = None) -> None:
        self.problems = [p for p in problems if p.severity == "error"] or problems
        self.warnings = [p for p in problems if p.severity == "warning"]
        self.file = file
        head = f"{file or 'model'} was refused: {len(self.problems)} problem(s)"
        body = "; ".join(p.describe() for p in self.problems)
        super().__init__(f"{head}: {body}")


class ExpressionError(SteadyflowError):
    code = "expression_error"


class ExpressionSyntaxError(ExpressionError):
    """An expression cannot be parsed. ``position`` is a 0-based offset into ``source``."""

    code = "expression_syntax"

    def __init__(self, message: str, source: str, position: int | None = None) -> None:
        self.source = source
        self.position = position
        self.reason = message
        where = f" at position {position}" if position is not None else ""
        super().__init__(f"cannot parse expression {source!r}{where}: {message}")


class ExpressionEvaluationError(ExpressionError):
    """An expression failed while it ran over an instance's variables."""

    code = "expression_evaluation"

    def __init__(self, message: str, source: str, *, element_id: str | None = None, task_id: str | None = None) -> None:
        self.source = source
        self.reason = message
        self.element_id = element_id
        """The element it failed at, when the raiser knows (the incident is located there)."""
        self.task_id = task_id
        super().__init__(f"expression {source!r} failed: {message}")


class DecisionEvaluationError(ExpressionEvaluationError):
    """A DMN decision could not be evaluated; ``decision_id`` and the words of ``where`` locate it."""

    code = "decision_evaluation"

    def __init__(self, decision_id: str, where: str, reason: str, source: str = "") -> None:
        self.decision_id = decision_id
        self.where = where
        ExpressionError.__init__(self, f"{where}: {reason}")
        self.source = source
        self.reason = reason


class NotFoundError(SteadyflowError):
    code = "not_found"


class CalledProcessNotFoundError(NotFoundError):
    """The process a call activity binds to is not deployed when the call runs: an incident on the call."""

    code = "called_process_not_found"
    incident_kind = "calledElement"

    def __init__(self, message: str, *, element_id: str, task_id: str | None, process_id: str, binding: str) -> None:
        super().__init__(message)
        self.element_id = element_id
        self.task_id = task_id
        self.process_id = process_id
        self.binding = binding


class NoConditionalStartError(NotFoundError):
    """A condition evaluation found no conditional start event to judge: none deployed, or not in that definition."""

    code = "no_conditional_start"

    def __init__(self, message: str, *, definition_id: str | None) -> None:
        super().__init__(message)
        self.definition_id = definition_id


class InvalidInputError(SteadyflowError):
    code = "invalid_input"


class ConflictError(SteadyflowError):
    code = "conflict"


class ConcurrentStepError(ConflictError):
    """Another step of the same instance committed first; the caller retries."""

    code = "concurrent_step"


class StepFailedError(SteadyflowError):
    """A step raised an error that is not ours (a bug, a value Spiff could not handle): that step is refused."""

    code = "step_failed"


class StoreError(SteadyflowError):
    code = "store_error"


class SchemaOutdatedError(StoreError):
    code = "schema_outdated"

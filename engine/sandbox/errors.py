"""The one error a Python script task raises, whatever went wrong.

Callers (the engine turning a failed script into an incident, the deployer
refusing a model) branch on ``kind`` rather than on subclasses, because every
kind is handled the same way: show the message, point at ``line``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from steadyflow.errors import SteadyflowError

ScriptErrorKind = Literal["syntax", "forbidden", "timeout", "memory", "runtime", "output"]

_ADVICE: dict[str, str] = {
    "syntax": "fix the script and deploy the model again",
    "forbidden": "scripts may only compute with their variables; move I/O into a service task",
    "timeout": "make the script do less work, or raise its timeout",
    "memory": "make the script build smaller values, or raise its memory limit",
    "runtime": "fix the script, or the variables it reads, and retry the job",
    "output": "store only None, bool, int, float, str, list and dict values, and keep them small",
}


class ScriptError(SteadyflowError):
    """A Python script task was refused, stopped, or failed while it ran.

    ``kind`` is one of "syntax", "forbidden", "timeout", "memory", "runtime",
    "output"; ``line`` is the script line at fault when known. ``problems``
    lists every compile-time problem when there was more than one.
    """

    code = "script_error"

    def __init__(
        self,
        detail: str,
        *,
        kind: ScriptErrorKind,
        line: int | None = None,
        problems: Sequence[str] = (),
    ) -> None:
        self.kind: ScriptErrorKind = kind
        self.line = line
        self.detail = detail
        where = f" on line {line}" if line is not None else ""
        self.problems: list[str] = list(problems) or [f"line {line}: {detail}" if line is not None else detail]
        super().__init__(f"Python script {_VERB[kind]}{where}: {detail} ({_ADVICE[kind]}).")


_VERB: dict[str, str] = {
    "syntax": "cannot be parsed",
    "forbidden": "was refused",
    "timeout": "was stopped for running too long",
    "memory": "was stopped for using too much memory",
    "runtime": "failed",
    "output": "produced a result that cannot be stored",
}

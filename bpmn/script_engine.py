"""The script engine SpiffWorkflow calls for conditions and timers: ours, not Python's.

SpiffWorkflow's default engine runs model text through Python ``eval``/``exec``.
This one only evaluates canonical expressions (``=...`` FEEL, ``${...}`` JUEL)
with our interpreters, and treats any other text as a literal string (timer
texts such as ``PT10S``). Scripts are never executed here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

from bpmn.clock import SYSTEM_CLOCK, Clock
from bpmn.dialects.templates import compile_canonical, is_juel
from bpmn.expressions.variable_values import as_variable
from bpmn.parameter_scripts import SCRIPT_VALUE, with_value_assigned
from steadyflow.errors import ModelError


class ExpressionEngine(PythonScriptEngine):
    """Evaluates FEEL and JUEL over task data for SpiffWorkflow; never eval()."""

    def __init__(
        self,
        python_runner: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        super().__init__(environment=None)
        self.clock = clock
        """The engine's clock: timer definitions (``bpmn.timer_events``) ask it when they are due."""
        self.python_runner = python_runner
        """Given by the engine when its operator allowed Python scripts (runs them in the sandbox).

        Each engine builds its own instance: the switch is one engine's, never the process's."""
        self.decision_runner: Callable[[Any, Any, dict[str, Any]], Any] | None = None
        """Given by the engine: evaluates a business rule task's DMN decision (task, call, variables) -> value."""

    def run_python(self, task: Any, script: str) -> dict[str, Any]:
        if self.python_runner is None:
            raise ModelError(
                f"element '{task.task_spec.bpmn_id}' is a Python script task, but Python scripts are disabled; "
                "restart steadyflow with --allow-python-scripts"
            )
        return self.python_runner(script, dict(task.data))

    def python_value(self, script: str, variables: Mapping[str, Any]) -> Any:
        """The value of a Python parameter script: its last expression, run in the sandbox."""
        if self.python_runner is None:
            raise ModelError(
                "a camunda:script parameter is written in Python, but Python scripts are disabled; "
                "restart steadyflow with --allow-python-scripts"
            )
        changed = self.python_runner(with_value_assigned(script), dict(variables))
        return changed.get(SCRIPT_VALUE)

    def validate(self, expression: str) -> None:
        if expression.startswith("=") or is_juel(expression):
            compile_canonical(expression)

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        text = expression.strip() if isinstance(expression, str) else expression
        if not isinstance(text, str) or not (text.startswith("=") or is_juel(text)):
            return text
        variables = task.data
        if external_context:
            variables = {**external_context, **task.data}
        return as_variable(compile_canonical(text).evaluate(variables), text)

    def execute(self, task: Any, script: str, external_context: Any = None) -> Any:
        raise ModelError(
            f"element '{task.task_spec.bpmn_id}' asked to run a script; steadyflow does not "
            "execute scripts here: use a FEEL expression script or a job handler"
        )

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        raise ModelError(
            f"element '{task.task_spec.bpmn_id}' called a service directly; service tasks run as jobs in steadyflow"
        )


def static_timer_text(text: str) -> str:
    """A timer value known without instance variables: the text, or a variable-free expression's value."""
    value = text.strip()
    if value.startswith("=") or is_juel(value):
        return str(as_variable(compile_canonical(value).evaluate({}), value))
    return value

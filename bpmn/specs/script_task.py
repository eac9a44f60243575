"""Script tasks: FEEL/JUEL expressions evaluated in-engine, Python only through the sandbox."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.bpmn_spec_mixin import BpmnSpecMixin

from bpmn.dialects.templates import evaluate_canonical
from bpmn.specs.io_scope import IoScoped


class ExpressionScriptTask(IoScoped, BpmnSpecMixin):
    """Evaluate ``expression`` over the task's variables and store it in ``result_variable``."""

    def __init__(
        self,
        wf_spec: Any,
        bpmn_id: str,
        expression: str = "",
        result_variable: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.expression = expression
        self.result_variable = result_variable

    def _run_element(self, my_task: Any) -> bool:
        value = evaluate_canonical(self.expression, my_task.data)
        if self.result_variable:
            my_task.data[self.result_variable] = value
        return True


class PythonScriptTask(IoScoped, BpmnSpecMixin):
    """A Python script, run by the script engine's sandbox runner (only when the operator allowed it)."""

    def __init__(self, wf_spec: Any, bpmn_id: str, script: str = "", **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.script = script

    def _run_element(self, my_task: Any) -> bool:
        changed = my_task.workflow.script_engine.run_python(my_task, self.script)
        my_task.data.update(changed)
        return True

"""Business rule tasks that evaluate a DMN decision inside the step (no job)."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.bpmn_spec_mixin import BpmnSpecMixin

from bpmn.dialects.decisions import DecisionCall
from bpmn.dialects.templates import evaluate_template
from steadyflow.errors import ModelError


class DecisionTask(BpmnSpecMixin):
    """Evaluate ``call``'s decision with the engine's decision runner and map the result into variables.

    The runner (``script_engine.decision_runner``, given by the engine) finds the deployed decision
    and evaluates it; ``bpmn`` knows nothing of DMN or the store.
    """

    def __init__(self, wf_spec: Any, bpmn_id: str, call: DecisionCall | None = None, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        if call is None:
            raise ValueError("a decision task needs its decision call")
        self.call = call

    def _run_hook(self, my_task: Any) -> bool:
        runner = getattr(my_task.workflow.script_engine, "decision_runner", None)
        if runner is None:
            raise ModelError(
                f"element '{self.bpmn_id}' calls a DMN decision, but this engine evaluates no decisions here"
            )
        call = self.call
        local: dict[str, Any] = {}
        for mapping in call.inputs:
            local[mapping.target] = evaluate_template(mapping.source, {**my_task.data, **local})
        scope = {**my_task.data, **local}
        value = runner(my_task, call, scope)
        result = {call.result_variable: value} if call.result_variable else {}
        if not call.outputs:
            my_task.data.update(result)
            return True
        # With output mappings Camunda 8 keeps the result variable local; Camunda 7 sets it as well.
        out_scope = {**scope, **result}
        for mapping in call.outputs:
            my_task.data[mapping.target] = evaluate_template(mapping.source, out_scope)
        if call.dialect == "camunda7":
            my_task.data.update(result)
        return True

"""The one spec every service-like task becomes: it parks until its job finishes."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.bpmn_spec_mixin import BpmnSpecMixin

from bpmn.dialects.definitions import JobDefinition


class JobTask(BpmnSpecMixin):
    """A service, send or business-rule task executed as a job of type ``job.type``.

    Running it only moves the task to STARTED; the engine sees STARTED job tasks
    after the step and creates their job rows. Completing or failing the job is
    a later step.
    """

    def __init__(self, wf_spec: Any, bpmn_id: str, job: JobDefinition | None = None, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.job = job or JobDefinition(type={"literal": bpmn_id}, dialect="bpmn")

    def _run_hook(self, my_task: Any) -> None:
        return None

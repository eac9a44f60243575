"""Plain ``bpmn:task`` and ``bpmn:manualTask``: Camunda passes through them."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.bpmn_spec_mixin import BpmnSpecMixin

from bpmn.specs.io_scope import IoScoped


class PassThroughTask(IoScoped, BpmnSpecMixin):
    """Completes as soon as it is reached (SpiffWorkflow would wait for a person)."""

    produces_result = False

    def _run_element(self, my_task: Any) -> bool:
        return True

"""Plain ``bpmn:task`` and ``bpmn:manualTask``: Camunda passes through them."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.bpmn_spec_mixin import BpmnSpecMixin


class PassThroughTask(BpmnSpecMixin):
    """Completes as soon as it is reached (SpiffWorkflow would wait for a person)."""

    def _run_hook(self, my_task: Any) -> bool:
        return True

"""Multi-instance activities with Camunda's semantics.

Differences from SpiffWorkflow's own multi-instance specs, all deliberate:

* the collection comes from a template (``=regions``, ``${regions}`` or a variable);
* the input element, ``loopCounter`` (1-based) and the output element are local to
  each instance and do not leak into the process;
* the output collection is ordered by input position, not by completion order,
  and is assembled once when the activity ends (so a step that completes one of
  a thousand instances writes a few bytes, not the whole collection);
* bookkeeping is two counters, not a growing list of child ids.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.bpmn_spec_mixin import BpmnSpecMixin
from SpiffWorkflow.util.task import TaskState

from bpmn.dialects.definitions import LoopDefinition
from bpmn.dialects.templates import evaluate_canonical, evaluate_template, template_source
from steadyflow.errors import ExpressionEvaluationError

STATE_KEY = "multi_instance"
INDEX_KEY = "multi_instance_index"
ITEMS_KEY = "multi_instance_items"
LOOP_COUNTER = "loopCounter"
_MISSING = object()


class MultiInstanceActivity(BpmnSpecMixin):
    """Runs the child spec ``task_spec`` once per item, in parallel or one after another."""

    def __init__(self, wf_spec: Any, bpmn_id: str, loop: LoopDefinition | None = None, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.loop = loop or LoopDefinition(sequential=False)
        self.task_spec = ""  # name of the inner activity's spec, set by the parser

    # -- activation -------------------------------------------------------
    def _update_hook(self, my_task: Any) -> Any:
        super()._update_hook(my_task)
        items = self._items(my_task)
        my_task.internal_data[STATE_KEY] = {"total": len(items), "done": 0, "started": 0}
        if self.loop.sequential:
            my_task.internal_data[ITEMS_KEY] = items
        if self.loop.output_collection:
            my_task.data[self.loop.output_collection] = [None] * len(items)
        if not items:
            return True
        if self.loop.sequential:
            self._start_next(my_task, items)
        else:
            for index, item in enumerate(items):
                self._create_instance(my_task, index, item)
        my_task._set_state(TaskState.STARTED)
        return None

    def _items(self, my_task: Any) -> list[Any]:
        loop = self.loop
        if loop.input_collection is not None:
            value = evaluate_template(loop.input_collection, my_task.data)
            if isinstance(value, Mapping):
                return list(value.values())
            if isinstance(value, Sequence) and not isinstance(value, str):
                return list(value)
            source = template_source(loop.input_collection)
            name = _variable_name(loop.input_collection)
            found = "null" if value is None else f"a {type(value).__name__}"
            unset = f" (no variable '{name}' is set)" if value is None and name else ""
            fix = f'set \'{name}\' to a list, for example ["a", "b"]' if name else "make it a list"
            raise ExpressionEvaluationError(
                f"the multi-instance collection of '{self.bpmn_id}' is {found}{unset}, not a list; "
                f"{fix}, then retry the incident",
                source,
                element_id=self.bpmn_id,
                task_id=str(my_task.id),
            )
        count = evaluate_template(loop.cardinality or {"literal": 0}, my_task.data)
        try:
            number = int(count)
        except (TypeError, ValueError):
            raise ExpressionEvaluationError(
                f"the loop cardinality of '{self.bpmn_id}' is {json.dumps(count, default=str)}, not a whole "
                "number; make the expression give a count such as 3, then retry the incident",
                template_source(loop.cardinality or {"literal": 0}),
                element_id=self.bpmn_id,
                task_id=str(my_task.id),
            ) from None
        return [None] * max(0, number)

    def _child_spec(self, my_task: Any) -> Any:
        spec = my_task.workflow.spec.task_specs[self.task_spec]
        if not spec.completed_event.is_connected(self.merge_child):
            spec.completed_event.connect(self.merge_child)
        return spec

    def _create_instance(self, my_task: Any, index: int, item: Any) -> None:
        child = my_task._add_child(self._child_spec(my_task), TaskState.WAITING)
        child.triggered = True
        child.internal_data[INDEX_KEY] = index
        my_task.internal_data[STATE_KEY]["started"] += 1
        # The instances share the activity's values rather than copy them (see _TrackedTask._inherit_data).
        child.__dict__["shares_parent_values"] = True
        child.task_spec._update(child)
        # Set after _update: inheriting the parent's data must not overwrite the locals.
        if self.loop.input_element:
            child.data[self.loop.input_element] = deepcopy(item)
        child.data[LOOP_COUNTER] = index + self.loop.first_counter

    def _start_next(self, my_task: Any, items: list[Any]) -> None:
        index = my_task.internal_data[STATE_KEY]["started"]
        self._create_instance(my_task, index, items[index])

    # -- completion -------------------------------------------------------
    def instance_local_names(self) -> frozenset[str]:
        """The variables local to each instance: ``loopCounter`` and the input element."""
        names = {LOOP_COUNTER}
        if self.loop.input_element:
            names.add(self.loop.input_element)
        return frozenset(names)

    def merge_child(self, workflow: Any, child: Any) -> None:
        my_task = child.parent
        if my_task is None or my_task.task_spec is not self or STATE_KEY not in my_task.internal_data:
            return
        state = dict(my_task.internal_data[STATE_KEY])
        state["done"] += 1
        my_task.internal_data[STATE_KEY] = state
        local = self.instance_local_names()
        data = my_task.data
        for key, value in child.data.items():
            if key in local:
                continue
            mine = data.get(key, _MISSING)
            # The instances hold the activity's own values: the identity test skips comparing a collection.
            if mine is not value and (mine is _MISSING or mine != value):
                data[key] = value
        if self.loop.completion_condition and self._condition_met(my_task, child, state):
            for other in self._instances(my_task):
                if not other.has_state(TaskState.FINISHED_MASK):
                    other.cancel()
            self._finish(my_task)
        elif state["done"] >= state["total"]:
            self._finish(my_task)
        elif self.loop.sequential:
            self._start_next(my_task, my_task.internal_data[ITEMS_KEY])

    def _condition_met(self, my_task: Any, child: Any, state: dict[str, int]) -> bool:
        scope = dict(child.data)
        scope.update(
            nrOfInstances=state["total"],
            numberOfInstances=state["total"],
            nrOfCompletedInstances=state["done"],
            numberOfCompletedInstances=state["done"],
            nrOfActiveInstances=state["started"] - state["done"],
            numberOfActiveInstances=state["started"] - state["done"],
        )
        return evaluate_canonical(str(self.loop.completion_condition), scope) is True

    def _instances(self, my_task: Any) -> list[Any]:
        return [c for c in my_task.children if c.task_spec.name == self.task_spec]

    def _finish(self, my_task: Any) -> None:
        loop = self.loop
        if loop.output_collection:
            output: list[Any] = [None] * my_task.internal_data[STATE_KEY]["total"]
            for child in self._instances(my_task):
                if child.state == TaskState.COMPLETED:
                    output[child.internal_data[INDEX_KEY]] = self._output_of(child)
            my_task.data[loop.output_collection] = output
        my_task.internal_data.pop(ITEMS_KEY, None)
        my_task._set_state(TaskState.READY)

    def _output_of(self, child: Any) -> Any:
        if self.loop.output_element is None:
            return None
        return evaluate_template(self.loop.output_element, child.data)


def _variable_name(template: Mapping[str, Any]) -> str | None:
    """The variable a collection template reads, when it is a bare name (``=regions``, ``${regions}``)."""
    text = template.get("var") or template.get("feel") or template.get("juel") or ""
    found = re.fullmatch(r"\s*(?:\$\{)?\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}?\s*", str(text))
    return found.group(1) if found else None

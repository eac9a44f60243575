"""The assertion instructions of Camunda process test cases, and what a case can select.

Each check is an :class:`InstanceAssert` condition, so it waits as the pytest
assertions do and fails with what was seen instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.instance_models import CallScopes
from engine.store.records import InstanceRecord, JobRecord
from steadyflow.testing.assertions import InstanceAssert
from steadyflow.testing.harness import ProcessInstance, ProcessTest
from steadyflow.testing.state import InstanceSnapshot


class SelectionError(AssertionError):
    """A selector names nothing the case can see."""


@dataclass
class CaseContext:
    """What one case sees: its test, its timeout, and the instances that existed before it (not its own)."""

    test: ProcessTest
    timeout_s: float
    before: set[str]
    created: list[str] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    """Evaluations the case asked for (EVALUATE_DECISION), as history records them."""
    _seen: list[InstanceRecord] | None = None

    def forget(self) -> None:
        """Read the case's instances afresh at the next selection (an instruction may have started some)."""
        self._seen = None

    def instances(self, process_id: str | None = None) -> list[ProcessInstance]:
        """The case's instances (oldest first): those it started and those its messages and signals started."""
        if self._seen is None:
            found = self.test.engine.instances(limit=100_000)
            ours = [r for r in found if r.id not in self.before]
            self._seen = sorted(ours, key=lambda r: (r.started_at, r.id))
        return [ProcessInstance(self.test, r.id) for r in self._seen if process_id in (None, r.definition_key)]

    def instance_ids(self) -> list[str]:
        return [i.id for i in self.instances()]

    def instance(self, selector: dict[str, Any]) -> ProcessInstance:
        process_id = selector.get("processDefinitionId")
        if not isinstance(process_id, str):
            raise SelectionError("processInstanceSelector needs processDefinitionId")
        found = self.instances(process_id)
        if not found:
            seen = sorted({self.test.engine.instance(i).definition_key for i in self.instance_ids()})
            raise SelectionError(
                f"expected an instance of process '{process_id}'; "
                + (f"this case has instances of {', '.join(seen)}" if seen else "this case has started no instance")
            )
        return found[0]

    def assert_on(self, selector: dict[str, Any]) -> InstanceAssert:
        return InstanceAssert(self.instance(selector), self.timeout_s)

    def element_ids(self, instance: ProcessInstance, selector: dict[str, Any]) -> str:
        """The element id a selector names (``elementId``, or ``elementName`` as drawn)."""
        if isinstance(selector.get("elementId"), str):
            return str(selector["elementId"])
        name = selector.get("elementName")
        if not isinstance(name, str):
            raise SelectionError("an elementSelector needs elementId or elementName")
        record = self.test.engine.instance(instance.id)
        # The process's own elements first, then those of the children its call activities ran inside it.
        for definition in CallScopes.of(record.definition_id, record.frame).definitions():
            names = self.test.queries.outline(definition).names
            matches = [element for element, drawn in names.items() if drawn == name]
            if matches:
                return matches[0]
        names = self.test.queries.outline(record.definition_id).names
        drawn = ", ".join(sorted(repr(n) for n in set(names.values()) if n))
        raise SelectionError(f"no element is named {name!r} in this process; its elements are named {drawn}")

    def job(self, selector: dict[str, Any]) -> JobRecord:
        job_type, element_id = selector.get("jobType"), selector.get("elementId")
        process_id = selector.get("processDefinitionId")
        mine = set(self.instance_ids())
        for instance in self.instances(process_id if isinstance(process_id, str) else None):
            jobs = [
                j
                for j in self.test.engine.store_jobs(instance_id=instance.id, state="ready")
                if (job_type is None or j.type == job_type) and (element_id is None or j.element_id == element_id)
            ]
            if jobs:
                return min(jobs, key=lambda j: (j.created_at, j.id))
        waiting = sorted(
            {f"{j.type} at {j.element_id}" for j in self.test.engine.store_jobs(state="ready") if j.instance_id in mine}
        )
        wanted = ", ".join(f"{k}={v!r}" for k, v in selector.items())
        raise SelectionError(
            f"expected a job ({wanted}) to be waiting; "
            + (f"the waiting jobs are: {', '.join(waiting)}" if waiting else "no job of this case is waiting")
        )

    def user_task(self, selector: dict[str, Any]) -> dict[str, Any]:
        element_id, name = selector.get("elementId"), selector.get("taskName")
        process_id = selector.get("processDefinitionId")
        open_ones: list[str] = []
        for instance in self.instances(process_id if isinstance(process_id, str) else None):
            tasks = self.test.engine.user_tasks(instance.id)
            open_ones += [t["element_id"] for t in tasks]
            for task in tasks:
                if element_id is not None and task["element_id"] != element_id:
                    continue
                if name is not None and self._name_of(task) != name:
                    continue
                return task
        wanted = ", ".join(f"{k}={v!r}" for k, v in selector.items())
        raise SelectionError(
            f"expected a user task ({wanted}) to be open; "
            + (f"the open user tasks are at {', '.join(open_ones)}" if open_ones else "no user task is open")
        )

    def _name_of(self, task: dict[str, Any]) -> str | None:
        return self.test.task_outline(task).names.get(task["element_id"])

    def open_incidents_seen(self) -> str:
        seen = [
            f"at {i.element_id}: {i.message}"
            for instance in self.instances()
            for i in self.test.engine.incidents(instance.id)
            if i.state == "open"
        ]
        return "open incidents: " + "; ".join(seen) if seen else "this case has no open incident"

    def finish(self) -> None:
        """Cancel what the case left running, so its jobs and timers do not reach the next case."""
        self.forget()
        self.instances()
        for record in self._seen or []:
            if record.state in ("running", "incident"):
                self.test.engine.cancel(record.id, "the test case ended")
        self.test.mocks.clear()


# -- checks ----------------------------------------------------------------------------
def _process_instance(context: CaseContext, f: dict[str, Any]) -> None:
    check = context.assert_on(f["processInstanceSelector"])
    state = f.get("state")
    if state == "IS_ACTIVE":
        check.is_active()
    elif state == "IS_COMPLETED":
        check.is_completed()
    elif state == "IS_TERMINATED":
        check.is_terminated()
    elif state not in (None, "IS_CREATED"):
        raise SelectionError(f"unknown process instance state {state!r}; use IS_ACTIVE, IS_COMPLETED, ...")
    if f.get("hasActiveIncidents") is True:
        check.has_incident()
    elif f.get("hasActiveIncidents") is False:
        check.has_no_incidents()


def _element_instance(context: CaseContext, f: dict[str, Any]) -> None:
    instance = context.instance(f["processInstanceSelector"])
    element = context.element_ids(instance, f["elementSelector"])
    state, amount = f["state"], f.get("amount")
    pick: dict[str, Callable[[InstanceSnapshot], list[str]]] = {
        "IS_ACTIVE": lambda s: s.active,
        "IS_COMPLETED": lambda s: s.completed,
        "IS_TERMINATED": lambda s: s.terminated,
    }
    if state not in pick:
        raise SelectionError(f"unknown element state {state!r}; use IS_ACTIVE, IS_COMPLETED or IS_TERMINATED")
    word = state.removeprefix("IS_").lower()

    def check(s: InstanceSnapshot) -> str | None:
        count = pick[state](s).count(element)
        if (count == amount) if amount is not None else count >= 1:
            return None
        return f"{element} is {word} {count} time(s) ({s.where()})"

    times = f" {amount} time(s)" if amount is not None else ""
    InstanceAssert(instance, context.timeout_s).holds(f"to have {element} {word}{times}", check)


def _element_instances(context: CaseContext, f: dict[str, Any]) -> None:
    instance = context.instance(f["processInstanceSelector"])
    elements = [context.element_ids(instance, s) for s in f["elementSelectors"]]
    check = InstanceAssert(instance, context.timeout_s)
    state = f["state"]
    if state == "IS_ACTIVE":
        check.is_waiting_at(*elements)
    elif state == "IS_ACTIVE_EXACTLY":
        check.is_waiting_exactly_at(*elements)
    elif state == "IS_NOT_ACTIVE":
        check.is_not_waiting_at(*elements)
    elif state == "IS_COMPLETED":
        check.has_passed(*elements)
    elif state == "IS_COMPLETED_IN_ORDER":
        check.has_passed_in_order(*elements)
    elif state == "IS_TERMINATED":
        check.has_terminated(*elements)
    elif state == "IS_NOT_ACTIVATED":
        check.has_not_activated(*elements)
    else:
        raise SelectionError(f"unknown element state {state!r}")


def _variables(context: CaseContext, f: dict[str, Any]) -> None:
    if f.get("elementSelector"):
        raise SelectionError("local variables (elementSelector) are not supported; assert process variables")
    names = [str(n) for n in f.get("variableNames") or []]
    context.assert_on(f["processInstanceSelector"]).has_variables(*names, dict(f.get("variables") or {}))


def _user_task(context: CaseContext, f: dict[str, Any]) -> None:
    unsupported = [k for k in ("candidateGroups", "priority", "dueDate", "followUpDate") if k in f]
    if unsupported:
        raise SelectionError(f"user task properties {', '.join(unsupported)} are not supported by steadyflow")
    selector = f["userTaskSelector"]
    state = f.get("state", "IS_CREATED")
    if state == "IS_CREATED":
        task = context.user_task(selector)
        if "elementId" in f and task["element_id"] != f["elementId"]:
            raise SelectionError(f"expected the user task at {f['elementId']}; it is at {task['element_id']}")
        if "name" in f and context._name_of(task) != f["name"]:
            raise SelectionError(f"expected the user task named {f['name']!r}; it is named {context._name_of(task)!r}")
        if "assignee" in f:
            assignee = context.test.tasklist.task(task["task_id"]).get("assignee")
            if assignee != f["assignee"]:
                raise SelectionError(f"expected the user task assigned to {f['assignee']!r}; it is {assignee!r}")
        return
    element = selector.get("elementId") or f.get("elementId")
    if not isinstance(element, str):
        raise SelectionError(f"asserting a user task {state} needs its elementId")
    process_id = selector.get("processDefinitionId")
    instance = context.instances(process_id if isinstance(process_id, str) else None)
    if not instance:
        raise SelectionError("this case has started no instance")
    check = InstanceAssert(instance[0], context.timeout_s)
    if state == "IS_COMPLETED":
        check.has_passed(element)
    elif state == "IS_CANCELED":
        check.has_terminated(element)
    else:
        raise SelectionError(f"user task state {state!r} is not supported; use IS_CREATED, IS_COMPLETED, IS_CANCELED")


def _message_subscription(context: CaseContext, f: dict[str, Any]) -> None:
    instance = context.instance(f["processInstanceSelector"])
    name = str(f["messageSelector"].get("messageName"))
    key = f["messageSelector"].get("correlationKey")
    state = f["state"]
    engine = context.test.engine

    def check(s: InstanceSnapshot) -> str | None:
        with engine.db.read() as conn:
            waiting = engine.store.find_subscriptions(
                conn, "message", name, correlation_key=key, instance_id=instance.id
            )
        correlated = [e for e in s.history if e["type"] == "MessageCorrelated" and e["data"].get("name") == name]
        if state == "IS_WAITING":
            return None if waiting else f"it does not wait for message '{name}' ({s.where()})"
        if state == "IS_NOT_WAITING":
            return f"it waits for message '{name}'" if waiting else None
        if state == "IS_CORRELATED":
            return None if correlated else f"message '{name}' was not correlated to it ({s.where()})"
        return f"unknown subscription state {state!r}"

    InstanceAssert(instance, context.timeout_s).holds(f"to have message '{name}' {state}", check)


CHECKS: dict[str, Callable[[CaseContext, dict[str, Any]], None]] = {
    "ASSERT_PROCESS_INSTANCE": _process_instance,
    "ASSERT_ELEMENT_INSTANCE": _element_instance,
    "ASSERT_ELEMENT_INSTANCES": _element_instances,
    "ASSERT_VARIABLES": _variables,
    "ASSERT_USER_TASK": _user_task,
    "ASSERT_PROCESS_INSTANCE_MESSAGE_SUBSCRIPTION": _message_subscription,
}

"""Run Camunda process test cases (``cpt-test-cases``) on a :class:`ProcessTest`.

All cases of a file share one engine with the file's models deployed; each case
sees only the instances it created (selectors name a process, never an instance),
and instances it leaves running are cancelled when it ends. Instructions that
act run synchronously; assertions wait (``steadyflow.testing.assertions``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from steadyflow.errors import SteadyflowError
from steadyflow.testing import case_decisions
from steadyflow.testing.case_checks import CHECKS, CaseContext
from steadyflow.testing.case_file import Instruction, TestCase
from steadyflow.testing.examples import example_output
from steadyflow.testing.harness import ProcessTest

UNSUPPORTED = {
    "MOCK_DMN_DECISION": "decisions are evaluated, not mocked; deploy the .dmn file beside the model",
    "MOCK_CHILD_PROCESS": "call activities run inside the calling instance here; deploy the child process instead",
    "COMPLETE_JOB_AD_HOC_SUB_PROCESS": "ad-hoc sub-processes are not supported",
    "COMPLETE_JOB_USER_TASK_LISTENER": "user task listeners are not supported",
}


class CaseFailure(AssertionError):
    """One instruction of a case did not hold (an assertion) or could not be done (an action)."""


@dataclass
class CaseResult:
    name: str
    passed: bool
    seconds: float
    failed_step: int | None = None
    instruction: str | None = None
    message: str = ""
    instances: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "seconds": round(self.seconds, 4),
            "failed_step": self.failed_step,
            "instruction": self.instruction,
            "message": self.message,
        }


def run_case(test: ProcessTest, case: TestCase, *, timeout_s: float) -> CaseResult:
    """Run one case; a failing instruction stops it and is named in the result."""
    started = time.perf_counter()
    context = CaseContext(test, timeout_s, before={r.id for r in test.engine.instances(limit=100_000)})
    test.mocks.clear()
    try:
        for instruction in case.instructions:
            try:
                run_instruction(context, instruction)
            except (AssertionError, SteadyflowError, ValueError) as exc:
                return CaseResult(
                    case.name,
                    False,
                    time.perf_counter() - started,
                    instruction.position,
                    instruction.type,
                    str(exc),
                    context.instance_ids(),
                )
        return CaseResult(case.name, True, time.perf_counter() - started, instances=context.instance_ids())
    finally:
        context.finish()


def run_instruction(context: CaseContext, instruction: Instruction) -> None:
    context.forget()
    if instruction.type in UNSUPPORTED:
        raise CaseFailure(f"{instruction.type} is not supported by steadyflow: {UNSUPPORTED[instruction.type]}")
    action = ACTIONS.get(instruction.type)
    if action is not None:
        action(context, instruction.fields)
        return
    CHECKS[instruction.type](context, instruction.fields)


# -- actions ---------------------------------------------------------------------------
def _create(context: CaseContext, f: dict[str, Any]) -> None:
    if f.get("startInstructions") or f.get("runtimeInstructions"):
        raise CaseFailure("startInstructions and runtimeInstructions are not supported; start at the start event")
    process_id = _required_text(f["processDefinitionSelector"], "processDefinitionId", "processDefinitionSelector")
    instance = context.test.start(process_id, dict(f.get("variables") or {}))
    context.created.append(instance.id)


def _complete_job(context: CaseContext, f: dict[str, Any]) -> None:
    job = context.job(f["jobSelector"])
    variables = dict(f.get("variables") or {})
    if f.get("useExampleData"):
        variables = example_output(context.test, job.instance_id, job.element_id)
    context.test.engine.complete_job(job.id, variables, instance_id=job.instance_id)
    context.test.run_until_idle()


def _mock_complete(context: CaseContext, f: dict[str, Any]) -> None:
    mock = context.test.mock_job(str(f["jobType"]))
    if f.get("useExampleData"):
        test = context.test
        mock.answers_job(lambda job: example_output(test, job.instance_id, job.element_id))
    else:
        mock.returns(dict(f.get("variables") or {}))
    context.test.run_until_idle()


def _mock_error(context: CaseContext, f: dict[str, Any]) -> None:
    mock = context.test.mock_job(str(f["jobType"]))
    mock.throws_bpmn_error(str(f["errorCode"]), str(f.get("errorMessage") or ""), dict(f.get("variables") or {}))
    context.test.run_until_idle()


def _throw_from_job(context: CaseContext, f: dict[str, Any]) -> None:
    job = context.job(f["jobSelector"])
    context.test.engine.throw_error(
        job.id,
        str(f["errorCode"]),
        str(f.get("errorMessage") or ""),
        dict(f.get("variables") or {}),
        instance_id=job.instance_id,
    )
    context.test.run_until_idle()


def _complete_user_task(context: CaseContext, f: dict[str, Any]) -> None:
    task = context.user_task(f["userTaskSelector"])
    variables = dict(f.get("variables") or {})
    if f.get("useExampleData"):
        variables = example_output(context.test, task["instance_id"], task["element_id"]) or context.test.form_defaults(
            task
        )
    context.test.tasklist.complete(task["task_id"], "steadyflow-test", variables, any_user=True)
    context.test.run_until_idle()


def _publish(context: CaseContext, f: dict[str, Any]) -> None:
    ttl_ms = f.get("timeToLive") or 0
    if not isinstance(ttl_ms, int) or ttl_ms < 0:
        raise CaseFailure(f"timeToLive must be a whole number of milliseconds, not {ttl_ms!r}")
    context.test.publish_message(
        str(f["name"]),
        _optional_text(f, "correlationKey"),
        dict(f.get("variables") or {}),
        time_to_live=ttl_ms / 1000,
        message_id=_optional_text(f, "messageId"),
    )


def _correlate(context: CaseContext, f: dict[str, Any]) -> None:
    context.test.correlate_message(str(f["name"]), _optional_text(f, "correlationKey"), dict(f.get("variables") or {}))


def _signal(context: CaseContext, f: dict[str, Any]) -> None:
    context.test.broadcast_signal(str(f["signalName"]), dict(f.get("variables") or {}))


def _evaluate_conditions(context: CaseContext, f: dict[str, Any]) -> None:
    values = f["variables"]
    if not isinstance(values, dict):
        raise CaseFailure(f"variables must be an object of name -> value, not {type(values).__name__}")
    context.created.extend(instance.id for instance in context.test.evaluate_conditions(dict(values)))


def _increase_time(context: CaseContext, f: dict[str, Any]) -> None:
    context.test.advance(str(f["duration"]))


def _set_time(context: CaseContext, f: dict[str, Any]) -> None:
    context.test.set_time(str(f["time"]))


def _update_variables(context: CaseContext, f: dict[str, Any]) -> None:
    if f.get("elementSelector"):
        raise CaseFailure("local variables (elementSelector) are not supported; update process variables instead")
    instance = context.instance(f["processInstanceSelector"])
    context.test.update_variables(instance, dict(f["variables"]))


def _resolve_incident(context: CaseContext, f: dict[str, Any]) -> None:
    selector = f["incidentSelector"]
    element_id = _optional_text(selector, "elementId")
    process_id = _optional_text(selector, "processDefinitionId")
    for instance in context.instances(process_id):
        incidents = [i for i in context.test.engine.incidents(instance.id) if i.state == "open"]
        if any(element_id is None or i.element_id == element_id for i in incidents):
            context.test.resolve_incidents(instance)
            return
    where = f" at {element_id}" if element_id else ""
    raise CaseFailure(f"expected an open incident{where} to resolve; {context.open_incidents_seen()}")


def _required_text(selector: dict[str, Any], name: str, what: str) -> str:
    value = selector.get(name)
    if not isinstance(value, str) or not value:
        raise CaseFailure(f"{what} needs {name}")
    return value


def _optional_text(fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    return None if value is None else str(value)


ACTIONS: dict[str, Callable[[CaseContext, dict[str, Any]], None]] = {
    "CREATE_PROCESS_INSTANCE": _create,
    "COMPLETE_JOB": _complete_job,
    "MOCK_JOB_WORKER_COMPLETE_JOB": _mock_complete,
    "MOCK_JOB_WORKER_THROW_BPMN_ERROR": _mock_error,
    "THROW_BPMN_ERROR_FROM_JOB": _throw_from_job,
    "COMPLETE_USER_TASK": _complete_user_task,
    "PUBLISH_MESSAGE": _publish,
    "CORRELATE_MESSAGE": _correlate,
    "BROADCAST_SIGNAL": _signal,
    "EVALUATE_CONDITIONAL_START_EVENT": _evaluate_conditions,
    "INCREASE_TIME": _increase_time,
    "SET_TIME": _set_time,
    "UPDATE_VARIABLES": _update_variables,
    "RESOLVE_INCIDENT": _resolve_incident,
    "EVALUATE_DECISION": case_decisions.evaluate,
    "ASSERT_DECISION": case_decisions.assert_decision,
}

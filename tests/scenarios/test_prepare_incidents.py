"""An incident raised while a task is prepared (before its job exists) is retried like any other.

The task goes into ERROR with no job; after the operator fixes the variable, retrying the
incident prepares the task again and the instance continues. Other branches are not held up.
"""

from __future__ import annotations

import pytest

from engine.engine import Engine
from tests.conftest import run_jobs
from tests.scenarios.constructs_support import Jobs

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">"""

C7_INPUT = """<camunda:inputOutput><camunda:inputParameter name="amount">${order.total}</camunda:inputParameter>
  </camunda:inputOutput>"""
C8_TYPE = '<zeebe:taskDefinition type="=&quot;charge-&quot; + order.currency" />'


def charge_model(extension: str, topic: str) -> bytes:
    return f"""{HEAD}
  <bpmn:process id="charge" isExecutable="true">
    <bpmn:startEvent id="Begin"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:parallelGateway id="Fork"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:outgoing>f3</bpmn:outgoing></bpmn:parallelGateway>
    <bpmn:serviceTask id="Charge" {topic}>
      <bpmn:extensionElements>{extension}</bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:serviceTask id="Notify" camunda:type="external" camunda:topic="notify">
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:parallelGateway id="Join"><bpmn:incoming>f4</bpmn:incoming><bpmn:incoming>f5</bpmn:incoming>
      <bpmn:outgoing>f6</bpmn:outgoing></bpmn:parallelGateway>
    <bpmn:endEvent id="Done"><bpmn:incoming>f6</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="Begin" targetRef="Fork" />
    <bpmn:sequenceFlow id="f2" sourceRef="Fork" targetRef="Charge" />
    <bpmn:sequenceFlow id="f3" sourceRef="Fork" targetRef="Notify" />
    <bpmn:sequenceFlow id="f4" sourceRef="Charge" targetRef="Join" />
    <bpmn:sequenceFlow id="f5" sourceRef="Notify" targetRef="Join" />
    <bpmn:sequenceFlow id="f6" sourceRef="Join" targetRef="Done" />
  </bpmn:process>
</bpmn:definitions>""".encode()


CASES = {
    "c7-input-mapping": (
        charge_model(C7_INPUT, 'camunda:type="external" camunda:topic="charge-EUR"'),
        "input mapping failed",
        {"amount": 12},
    ),
    "c8-job-type": (charge_model(C8_TYPE, ""), "the job type of 'Charge' is null, not text", {}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_task_whose_preparation_failed_runs_once_the_variable_is_fixed_and_the_incident_retried(
    engine: Engine, case: str
) -> None:
    model, fragment, expected_inputs = CASES[case]
    engine.deploy([("charge.bpmn", model)])
    instance = engine.start("charge", {})
    jobs = Jobs()

    (incident,) = engine.incidents(instance.id)
    assert incident.element_id == "Charge" and incident.job_id is None
    assert fragment in incident.message
    assert [j["element_id"] for j in engine.view(instance.id).jobs] == ["Notify"], "the other branch goes on"
    run_jobs(engine, {"notify": jobs.answer()})

    engine.set_variables(instance.id, {"order": {"total": 12, "currency": "EUR"}})
    assert engine.retry(instance.id) == 1
    (job,) = engine.view(instance.id).jobs
    assert job["element_id"] == "Charge" and job["type"] == "charge-EUR"
    assert {k: job["variables"][k] for k in expected_inputs} == expected_inputs

    run_jobs(engine, {"charge-EUR": jobs.answer({"charged": True})})
    assert engine.instance(instance.id).state == "completed"
    assert engine.incidents(instance.id) == []


def test_a_retry_before_the_fix_raises_the_incident_again(engine: Engine) -> None:
    model, _, _ = CASES["c7-input-mapping"]
    engine.deploy([("charge.bpmn", model)])
    instance = engine.start("charge", {})

    engine.retry(instance.id)

    (incident,) = engine.incidents(instance.id)
    assert "input mapping failed" in incident.message
    assert [j["element_id"] for j in engine.view(instance.id).jobs] == ["Notify"]

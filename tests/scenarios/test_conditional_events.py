"""Conditional events fire when their condition holds: on arrival, and when the instance's variables change.

Boundary and intermediate catch events here; conditional start events of event subprocesses
in test_conditional_start_events.py, a process's own in test_conditional_process_starts.py.
"""

from __future__ import annotations

import pytest

from engine.engine import Engine
from steadyflow.errors import ModelValidationError
from tests.conftest import run_jobs
from tests.scenarios.constructs_support import Jobs

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">"""


def condition(text: str, suffix: str) -> str:
    return (
        f'<bpmn:conditionalEventDefinition id="Def_{suffix}"><bpmn:condition xsi:type="bpmn:tFormalExpression">'
        f"{text}</bpmn:condition></bpmn:conditionalEventDefinition>"
    )


def boundary_model(cond: str) -> bytes:
    return f"""{HEAD}
  <bpmn:process id="review" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Review" name="Review order">
      <bpmn:incoming>F1</bpmn:incoming>
      <bpmn:outgoing>F2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="Reviewed"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
    <bpmn:boundaryEvent id="CancelRequested" attachedToRef="Review">
      {condition(cond, "b")}
      <bpmn:outgoing>F3</bpmn:outgoing></bpmn:boundaryEvent>
    <bpmn:endEvent id="Cancelled"><bpmn:incoming>F3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Review" />
    <bpmn:sequenceFlow id="F2" sourceRef="Review" targetRef="Reviewed" />
    <bpmn:sequenceFlow id="F3" sourceRef="CancelRequested" targetRef="Cancelled" />
  </bpmn:process>
</bpmn:definitions>""".encode()


def catch_model(cond: str) -> bytes:
    return f"""{HEAD}
  <bpmn:process id="wait-for-approval" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="Check" camunda:type="external" camunda:topic="check">
      <bpmn:incoming>F1</bpmn:incoming>
      <bpmn:outgoing>F2</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:intermediateCatchEvent id="Approved">
      {condition(cond, "c")}
      <bpmn:incoming>F2</bpmn:incoming>
      <bpmn:outgoing>F3</bpmn:outgoing></bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="Done"><bpmn:incoming>F3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Check" />
    <bpmn:sequenceFlow id="F2" sourceRef="Check" targetRef="Approved" />
    <bpmn:sequenceFlow id="F3" sourceRef="Approved" targetRef="Done" />
  </bpmn:process>
</bpmn:definitions>""".encode()


def embedded_start_model(cond: str) -> bytes:
    return f"""{HEAD}
  <bpmn:process id="embedded" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:subProcess id="Inner">
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
      <bpmn:startEvent id="WhenHot">{condition(cond, "p")}<bpmn:outgoing>F3</bpmn:outgoing></bpmn:startEvent>
      <bpmn:endEvent id="InnerDone"><bpmn:incoming>F3</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="F3" sourceRef="WhenHot" targetRef="InnerDone" />
    </bpmn:subProcess>
    <bpmn:endEvent id="Done"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Inner" />
    <bpmn:sequenceFlow id="F2" sourceRef="Inner" targetRef="Done" />
  </bpmn:process>
</bpmn:definitions>""".encode()


def states(engine: Engine, instance_id: str) -> dict[str, str]:
    return {a.element_id: a.state for a in engine.view(instance_id).activities}


@pytest.mark.parametrize("cond", ["${cancelled}", "=cancelled = true"])
def test_boundary_condition_cancels_the_activity_when_a_variable_makes_it_true(engine: Engine, cond: str) -> None:
    engine.deploy([("review.bpmn", boundary_model(cond))])
    instance = engine.start("review", {"cancelled": False})
    assert engine.instance(instance.id).state == "running"

    engine.set_variables(instance.id, {"note": "unrelated"})
    assert engine.instance(instance.id).state == "running", "a change that leaves the condition false fires nothing"
    engine.set_variables(instance.id, {"cancelled": True})

    assert engine.instance(instance.id).state == "completed"
    found = states(engine, instance.id)
    assert found["Cancelled"] == "COMPLETED"
    assert "Reviewed" not in found


def test_boundary_condition_true_on_arrival_fires_at_once(engine: Engine) -> None:
    engine.deploy([("review.bpmn", boundary_model("${cancelled}"))])
    instance = engine.start("review", {"cancelled": True})
    assert engine.instance(instance.id).state == "completed"
    assert states(engine, instance.id)["Cancelled"] == "COMPLETED"


def test_intermediate_condition_waits_for_a_missing_variable_then_passes(engine: Engine) -> None:
    engine.deploy([("wait.bpmn", catch_model("${approved}"))])
    instance = engine.start("wait-for-approval", {})
    run_jobs(engine, {"check": Jobs().answer({"checked": True})})
    assert engine.instance(instance.id).state == "running", "no 'approved' yet: the condition is not met"
    assert engine.incidents(instance.id) == []

    engine.set_variables(instance.id, {"approved": False})
    assert engine.instance(instance.id).state == "running"
    engine.set_variables(instance.id, {"approved": True})
    assert engine.instance(instance.id).state == "completed"


def test_intermediate_condition_made_true_by_the_job_before_it_passes_without_waiting(engine: Engine) -> None:
    engine.deploy([("wait.bpmn", catch_model("=approved"))])
    instance = engine.start("wait-for-approval", {})
    run_jobs(engine, {"check": Jobs().answer({"approved": True})})
    assert engine.instance(instance.id).state == "completed"


def test_condition_giving_a_non_boolean_is_an_incident_naming_the_event(engine: Engine) -> None:
    engine.deploy([("wait.bpmn", catch_model("${approved}"))])
    instance = engine.start("wait-for-approval", {})
    run_jobs(engine, {"check": Jobs().answer({"approved": "yes"})})
    (incident,) = [i for i in engine.view(instance.id).incidents if i["state"] == "open"]
    assert "conditional event 'Approved'" in incident["message"]
    assert "not true or false" in incident["message"]


@pytest.mark.parametrize(
    ("xml", "fragment"),
    [
        (catch_model("${approved &amp;&amp;}"), "condition of the conditional event"),
        (catch_model(""), "conditional event without a condition"),
        (
            embedded_start_model("${temperature > 30}"),
            "a conditional start event of an embedded subprocess never fires",
        ),
    ],
)
def test_bad_conditions_are_refused_at_deploy_time(engine: Engine, xml: bytes, fragment: str) -> None:
    with pytest.raises(ModelValidationError) as refused:
        engine.deploy([("bad.bpmn", xml)])
    assert any(fragment in p.message for p in refused.value.problems), [p.message for p in refused.value.problems]

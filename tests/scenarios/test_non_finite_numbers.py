"""An expression that computes infinity or NaN raises an incident on its element; it never reaches storage."""

from __future__ import annotations

import pytest

from engine.engine import Engine
from steadyflow.errors import ModelValidationError
from tests.scenarios.test_script_security import feel_task

C7 = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
  <bpmn:process id="overflow" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="Task_1" />
    {task}
    <bpmn:sequenceFlow id="f2" sourceRef="Task_1" targetRef="Wait_1" />
    <bpmn:userTask id="Wait_1" />
    <bpmn:sequenceFlow id="f3" sourceRef="Wait_1" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>
"""


def juel_script(body: str) -> bytes:
    task = (
        '<bpmn:scriptTask id="Task_1" scriptFormat="juel" camunda:resultVariable="out">'
        f"<bpmn:script>{body}</bpmn:script></bpmn:scriptTask>"
    )
    return C7.format(task=task).encode()


def input_mapping(body: str) -> bytes:
    task = (
        '<bpmn:serviceTask id="Task_1" camunda:type="external" camunda:topic="work">'
        "<bpmn:extensionElements><camunda:inputOutput>"
        f'<camunda:inputParameter name="out">{body}</camunda:inputParameter>'
        "</camunda:inputOutput></bpmn:extensionElements></bpmn:serviceTask>"
    )
    return C7.format(task=task).encode()


@pytest.mark.parametrize("body", ["${x * 1e308 * 10}", "${-x * 1e308 * 10}", "${x * 1e308 * 10 - x * 1e308 * 10}"])
@pytest.mark.parametrize("model", [juel_script, input_mapping], ids=["script", "input-mapping"])
def test_juel_computing_a_non_finite_number_raises_an_incident_on_its_element(
    engine: Engine, model: object, body: str
) -> None:
    engine.deploy([("o.bpmn", model(body))])  # type: ignore[operator]
    instance = engine.start("overflow", {"x": 1.5})

    (incident,) = engine.incidents(instance.id)
    assert incident.element_id == "Task_1"
    assert "finite" in incident.message
    assert "out" not in engine.view(instance.id).variables
    # The next start meets the same incident, not a broken engine.
    again = engine.start("overflow", {"x": 1.5})
    assert len(engine.incidents(again.id)) == 1


def test_a_juel_literal_too_large_for_a_double_is_refused_at_deploy(engine: Engine) -> None:
    with pytest.raises(ModelValidationError) as info:
        engine.deploy([("o.bpmn", juel_script("${1e999}"))])
    (problem,) = info.value.problems
    assert problem.element_id == "Task_1" and problem.line
    assert "1e999" in problem.message


def test_feel_division_by_zero_is_null_and_the_instance_goes_on(engine: Engine) -> None:
    engine.deploy([("f.bpmn", feel_task("=x / 0"))])
    instance = engine.start("scripted", {"x": 1.5})
    assert engine.incidents(instance.id) == []
    assert engine.view(instance.id).variables["out"] is None

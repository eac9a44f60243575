"""Scripts and expressions that try to escape are refused or stopped; the engine keeps running."""

from __future__ import annotations

from typing import Any

import pytest

from engine.engine import Engine
from steadyflow.errors import ModelValidationError
from tests.conftest import deploy

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="D" targetNamespace="t">
  <bpmn:process id="scripted" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="Script_1" />
    {script}
    <bpmn:sequenceFlow id="f2" sourceRef="Script_1" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>
"""


def python_task(body: str) -> bytes:
    task = f'<bpmn:scriptTask id="Script_1" scriptFormat="python"><bpmn:script>{body}</bpmn:script></bpmn:scriptTask>'
    return MODEL.format(script=task).encode()


def feel_task(expression: str) -> bytes:
    task = (
        '<bpmn:scriptTask id="Script_1"><bpmn:extensionElements>'
        f'<zeebe:script expression="{expression}" resultVariable="out" />'
        "</bpmn:extensionElements></bpmn:scriptTask>"
    )
    return MODEL.format(script=task).encode()


@pytest.fixture
def python_engine(make_engine: Any) -> Engine:
    engine: Engine = make_engine(cache_capacity=0, allow_python_scripts=True)
    return engine


def test_python_scripts_are_refused_unless_the_operator_allows_them(engine: Engine) -> None:
    with pytest.raises(ModelValidationError, match="--allow-python-scripts"):
        engine.deploy([("s.bpmn", python_task("total = 1 + 2"))])


def test_allowed_python_script_runs_in_the_sandbox(python_engine: Engine) -> None:
    python_engine.deploy([("s.bpmn", python_task("total = sum(values) * 2"))])
    instance = python_engine.start("scripted", {"values": [1, 2, 3]})
    assert python_engine.view(instance.id).variables["total"] == 12


@pytest.mark.parametrize(
    "body",
    [
        "import os",
        "open('/etc/passwd').read()",
        "x = ().__class__.__bases__[0].__subclasses__()",
        "__import__('socket')",
        "eval('1+1')",
    ],
)
def test_python_escapes_are_refused_at_deploy_time_with_the_line(python_engine: Engine, body: str) -> None:
    with pytest.raises(ModelValidationError) as info:
        python_engine.deploy([("s.bpmn", python_task(body))])
    (problem,) = info.value.problems[:1]
    assert problem.element_id == "Script_1" and problem.line


def test_runaway_python_is_stopped_and_becomes_an_incident(python_engine: Engine) -> None:
    python_engine.deploy([("s.bpmn", python_task("while True:\n    pass"))])
    instance = python_engine.start("scripted")

    (incident,) = python_engine.incidents(instance.id)
    assert incident.element_id == "Script_1"
    assert "time" in incident.message.lower()
    assert python_engine.instance(instance.id).state == "running"


def test_memory_bomb_is_stopped_and_the_engine_carries_on(python_engine: Engine) -> None:
    python_engine.deploy([("s.bpmn", python_task("x = 'a' * (10 ** 10)"))])
    bombed = python_engine.start("scripted")
    assert python_engine.incidents(bombed.id)

    deploy(python_engine, "user-task.bpmn")
    assert python_engine.start("user-task").state == "running"


def test_feel_cannot_reach_python_objects(engine: Engine) -> None:
    engine.deploy([("f.bpmn", feel_task("=x.__class__"))])
    instance = engine.start("scripted", {"x": "text"})
    view = engine.view(instance.id)
    assert view.instance["state"] in ("completed", "running")
    assert view.variables.get("out") is None


def test_endless_feel_is_stopped_as_an_incident(engine: Engine) -> None:
    engine.deploy([("f.bpmn", feel_task("=for i in 1..100000000 return i"))])
    instance = engine.start("scripted")
    (incident,) = engine.incidents(instance.id)
    assert incident.element_id == "Script_1"

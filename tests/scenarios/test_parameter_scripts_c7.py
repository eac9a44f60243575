"""Camunda 7 input/output parameters computed by ``camunda:script``: JUEL, FEEL and sandboxed Python run."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from engine.engine import Engine
from steadyflow.errors import ModelValidationError, NotFoundError
from tests.conftest import run_jobs
from tests.scenarios.constructs_support import Jobs


def model(*parameters: str, outputs: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="scripted-parameters" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="Provision" name="Provision" camunda:type="external" camunda:topic="provision">
      <bpmn:extensionElements>
        <camunda:inputOutput>
          {"".join(parameters)}
          {outputs}
        </camunda:inputOutput>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="EndEvent_1"><bpmn:incoming>Flow_2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Provision" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Provision" targetRef="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>""".encode()


def parameter(name: str, fmt: str, body: str, *, kind: str = "inputParameter", resource: str | None = None) -> str:
    extra = f' resource="{resource}"' if resource else ""
    return (
        f'<camunda:{kind} name="{name}"><camunda:script scriptFormat="{fmt}"{extra}>{body}</camunda:script>'
        f"</camunda:{kind}>"
    )


def test_juel_and_feel_parameter_scripts_compute_inputs_and_outputs(engine: Engine) -> None:
    engine.deploy(
        [
            (
                "p.bpmn",
                model(
                    parameter("sizeGb", "juel", "${size * 10}"),
                    parameter("label", "juel", "db-${name}"),
                    parameter("regions", "feel", "for r in regions return upper case(r)"),
                    parameter("replicas", "feel", "= count(regions) * 2"),
                    outputs=parameter("endpoint", "feel", 'host + ":" + string(port)', kind="outputParameter"),
                ),
            )
        ]
    )
    instance = engine.start("scripted-parameters", {"size": 3, "name": "orders", "regions": ["eu", "us"]})
    jobs = Jobs()

    run_jobs(engine, {"provision": jobs.answer({"host": "db.internal", "port": 5432})})

    (seen,) = jobs.seen("provision")
    assert (seen["sizeGb"], seen["label"], seen["regions"], seen["replicas"]) == (30, "db-orders", ["EU", "US"], 4)
    assert engine.view(instance.id).variables["endpoint"] == "db.internal:5432"
    assert engine.instance(instance.id).state == "completed"


def test_python_parameter_script_runs_in_the_sandbox_when_allowed(make_engine: Callable[..., Engine]) -> None:
    engine = make_engine(cache_capacity=0, allow_python_scripts=True)
    script = "gb = size * 10\nif gb &gt; 20:\n    gb = 20\ngb + 1"
    engine.deploy([("p.bpmn", model(parameter("sizeGb", "python", script)))])
    engine.start("scripted-parameters", {"size": 3})
    jobs = Jobs()

    run_jobs(engine, {"provision": jobs.answer()})

    assert jobs.seen("provision")[0]["sizeGb"] == 21
    assert "gb" not in jobs.seen("provision")[0], "only the parameter's value leaves the script"


def test_python_parameter_script_is_refused_while_python_is_disabled(engine: Engine) -> None:
    with pytest.raises(ModelValidationError) as refused:
        engine.deploy([("p.bpmn", model(parameter("sizeGb", "python", "size * 10")))])
    (problem,) = refused.value.problems
    assert problem.element_id == "Provision"
    assert "parameter 'sizeGb' is computed by a camunda:script in Python, and Python scripts are disabled" in (
        problem.message
    )
    assert "--allow-python-scripts" in (problem.hint or "")


@pytest.mark.parametrize(
    ("xml", "fragment"),
    [
        (parameter("sizeGb", "groovy", "size * 10"), "in groovy, which steadyflow does not run"),
        (parameter("sizeGb", "javascript", "size * 10"), "in javascript, which steadyflow does not run"),
        (parameter("sizeGb", "juel", "", resource="classpath://size.juel"), "kept in the resource"),
        (parameter("sizeGb", "juel", "${size *}"), "mapping of 'sizeGb'"),
        (parameter("sizeGb", "feel", "size +"), "mapping of 'sizeGb'"),
    ],
)
def test_scripts_we_cannot_run_are_refused_at_deploy_time_with_their_line(
    engine: Engine, xml: str, fragment: str
) -> None:
    with pytest.raises(ModelValidationError) as refused:
        engine.deploy([("p.bpmn", model(xml))])
    messages = [p.message for p in refused.value.problems]
    assert any(fragment in m for m in messages), messages
    assert all(p.line for p in refused.value.problems)
    with pytest.raises(NotFoundError):
        engine.definitions.resolve("scripted-parameters")  # nothing of a refused file is stored

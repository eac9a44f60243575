"""Models we cannot run are refused with located, actionable problems; XML is read safely."""

from __future__ import annotations

from pathlib import Path

import pytest

from bpmn.durations import parse_duration_seconds
from bpmn.parser import parse_model
from steadyflow.errors import ModelValidationError

ROOT = Path(__file__).resolve().parents[3]
MIWG = ROOT / "tests" / "data" / "miwg"  # OMG BPMN MIWG test suite, CC BY 3.0 (see its README.md)

PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="D" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="Task_1" />
    {task}
    <bpmn:sequenceFlow id="f2" sourceRef="Task_1" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>
"""


def refused(xml: str) -> ModelValidationError:
    with pytest.raises(ModelValidationError) as info:
        parse_model(xml.encode(), "model.bpmn")
    return info.value


def test_malformed_xml_names_the_line() -> None:
    error = refused("<bpmn:definitions xmlns:bpmn='http://www.omg.org/spec/BPMN/20100524/MODEL'>\n<oops>")
    assert error.problems[0].line is not None
    assert "malformed XML" in error.problems[0].message


def test_entities_and_doctypes_are_refused() -> None:
    xml = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</bpmn:definitions>'
    )
    error = refused(xml)
    assert "passwd" not in str(error) or "DOCTYPE" in str(error)


def test_every_expression_problem_is_reported_at_once() -> None:
    task = """<bpmn:serviceTask id="Task_1"><bpmn:extensionElements>
        <zeebe:taskDefinition type="t" retries="many" />
        <zeebe:ioMapping><zeebe:input source="=a +" target="x" /></zeebe:ioMapping>
      </bpmn:extensionElements></bpmn:serviceTask>"""
    error = refused(PROCESS.format(task=task))
    messages = " | ".join(p.message for p in error.problems)
    assert "retries 'many'" in messages and "mapping of 'x'" in messages
    assert {p.element_id for p in error.problems} == {"Task_1"}
    assert all(p.line for p in error.problems)


def test_unsupported_constructs_are_refused_with_a_hint() -> None:
    task = """<bpmn:complexGateway id="Task_1" />"""
    error = refused(PROCESS.format(task=task))
    assert error.problems[0].element_id == "Task_1"
    assert error.problems[0].hint or "not supported" in error.problems[0].message


def test_python_script_tasks_are_refused_unless_allowed() -> None:
    task = '<bpmn:scriptTask id="Task_1" scriptFormat="python"><bpmn:script>import os</bpmn:script></bpmn:scriptTask>'
    error = refused(PROCESS.format(task=task))
    assert "Python script tasks are disabled" in error.problems[0].message
    assert "--allow-python-scripts" in (error.problems[0].hint or "")


def test_groovy_and_javascript_scripts_are_refused() -> None:
    task = '<bpmn:scriptTask id="Task_1" scriptFormat="groovy"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>'
    error = refused(PROCESS.format(task=task))
    assert "never executes model scripts" in error.problems[0].message


@pytest.mark.parametrize(
    ("task", "message", "hint"),
    [
        ('<bpmn:callActivity id="Task_1" />', "does not say which process it calls", "Called element"),
        (
            '<bpmn:subProcess id="Task_1"><bpmn:task id="Inner" /></bpmn:subProcess>',
            "does not have exactly one start event",
            "one plain start event",
        ),
    ],
)
def test_refusals_from_spiffworkflow_are_said_plainly_with_what_to_do(task: str, message: str, hint: str) -> None:
    (problem,) = refused(PROCESS.format(task=task)).problems
    assert problem.element_id == "Task_1"
    assert message in problem.message and hint in (problem.hint or "")


def test_a_construct_we_refuse_is_not_refused_again_in_spiffworkflows_words() -> None:
    task = """<bpmn:task id="Task_1" />
    <bpmn:boundaryEvent id="Undo" attachedToRef="Task_1"><bpmn:compensateEventDefinition /></bpmn:boundaryEvent>"""
    error = refused(PROCESS.format(task=task))
    assert [(p.element_id, p.message) for p in error.problems] == [("Undo", "compensation is not supported")]


def test_plain_service_task_binds_to_its_element_id_with_a_warning() -> None:
    model = parse_model(PROCESS.format(task='<bpmn:serviceTask id="Task_1" />').encode(), "m.bpmn")
    assert model.processes["p"].spec.task_specs["Task_1"].job.static_type == "Task_1"
    assert model.warnings and model.warnings[0].severity == "warning"


def test_iso_durations() -> None:
    assert parse_duration_seconds("PT5M") == 300
    assert parse_duration_seconds("P1DT1H") == 90000
    assert parse_duration_seconds("PT0.5S") == 0.5
    with pytest.raises(ValueError):
        parse_duration_seconds("5 minutes")


MIWG_FILES = sorted(MIWG.rglob("*.bpmn"))


def test_the_miwg_corpus_is_present() -> None:
    assert len(MIWG_FILES) > 40


@pytest.mark.parametrize("path", MIWG_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_miwg_models_deploy_or_are_refused_with_located_errors(path: Path) -> None:
    try:
        model = parse_model(path.read_bytes(), path.name)
    except ModelValidationError as exc:
        assert exc.problems
        assert all(p.element_id or p.line for p in exc.problems), exc
    else:
        assert model.processes


DEPLOYABLE_MIWG = [
    "reference/C.1.0.bpmn",
    "reference/C.5.0.bpmn",
    "reference/C.9.1.bpmn",
    "camunda-modeler/A.4.0-export.bpmn",
    "camunda-modeler/A.4.1-export.bpmn",
    "camunda-modeler/C.1.0-roundtrip.bpmn",
    "camunda-modeler/C.1.1-export.bpmn",
    "camunda-modeler/C.2.0-export.bpmn",  # data stores and associations, drawn only
    "camunda-modeler/C.5.0-roundtrip.bpmn",
    "camunda-modeler/C.9.1-roundtrip.bpmn",
]


@pytest.mark.parametrize("name", DEPLOYABLE_MIWG)
def test_the_executable_miwg_models_deploy(name: str) -> None:
    assert parse_model((MIWG / name).read_bytes(), name).processes


def test_parallel_multi_instance_without_output_collection_is_a_warning() -> None:
    data = (ROOT / "examples" / "database-creation-c8.bpmn").read_bytes()
    risky = data.replace(b' outputCollection="regionDatabases" outputElement="=regionDatabase"', b"")
    model = parse_model(risky, "risky.bpmn")
    (warning,) = model.warnings
    assert warning.severity == "warning" and warning.element_id == "Activity_CreateDatabase"
    assert "output collection" in warning.message
    assert parse_model(data, "fine.bpmn").warnings == []

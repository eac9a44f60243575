"""Conditional start events of event subprocesses start when the enclosing scope's variables change.

Camunda 7's documented rules: the condition is evaluated when the scope starts and on every
variable change that passes the filters (``camunda:variableName``, ``camunda:variableEvents``;
Camunda 8.9: ``zeebe:conditionalFilter``, and a FEEL condition listens to the variables it reads).
An interrupting start cancels the rest of its scope; a non-interrupting one starts another
instance of its event subprocess on each such change while the condition holds.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from engine.engine import Engine
from tests.conftest import run_jobs
from tests.scenarios.constructs_support import Jobs

C7 = (
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"',
    'camunda:type="external" camunda:topic="{topic}"',
    "",
)
C8 = (
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"',
    "",
    '<bpmn:extensionElements><zeebe:taskDefinition type="{topic}" /></bpmn:extensionElements>',
)


def service_task(dialect: tuple[str, str, str], element: str, topic: str, flows: str) -> str:
    _, attributes, extension = dialect
    return (
        f'<bpmn:serviceTask id="{element}" {attributes.format(topic=topic)}>{extension.format(topic=topic)}'
        f"{flows}</bpmn:serviceTask>"
    )


def event_subprocess(
    cond: str, *, interrupting: bool, attributes: str = "", filters: str = "", dialect: tuple[str, str, str] = C7
) -> str:
    extension = f"<bpmn:extensionElements>{filters}</bpmn:extensionElements>" if filters else ""
    alert = service_task(
        dialect, "Alert", "alert", "<bpmn:incoming>F4</bpmn:incoming><bpmn:outgoing>F5</bpmn:outgoing>"
    )
    return f"""
    <bpmn:subProcess id="Overheating" triggeredByEvent="true">
      <bpmn:startEvent id="TooHot" isInterrupting="{str(interrupting).lower()}">
        <bpmn:outgoing>F4</bpmn:outgoing>
        <bpmn:conditionalEventDefinition id="Def_hot" {attributes}>{extension}
          <bpmn:condition xsi:type="bpmn:tFormalExpression">{cond}</bpmn:condition>
        </bpmn:conditionalEventDefinition>
      </bpmn:startEvent>
      {alert}
      <bpmn:endEvent id="Alerted"><bpmn:incoming>F5</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="F4" sourceRef="TooHot" targetRef="Alert" />
      <bpmn:sequenceFlow id="F5" sourceRef="Alert" targetRef="Alerted" />
    </bpmn:subProcess>"""


def monitored(esp: str, dialect: tuple[str, str, str] = C7) -> bytes:
    """Measure (a job) -> Operate (a user task) -> Finished, watched by the event subprocess ``esp``."""
    measure = service_task(
        dialect, "Measure", "measure", "<bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>"
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" {dialect[0]}
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="monitored" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    {measure}
    <bpmn:userTask id="Operate"><bpmn:incoming>F2</bpmn:incoming><bpmn:outgoing>F3</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="Finished"><bpmn:incoming>F3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Measure" />
    <bpmn:sequenceFlow id="F2" sourceRef="Measure" targetRef="Operate" />
    <bpmn:sequenceFlow id="F3" sourceRef="Operate" targetRef="Finished" />
    {esp}
  </bpmn:process>
</bpmn:definitions>""".encode()


def in_subprocess(esp: str) -> bytes:
    """Prepare (a job) -> [Work: Operate (a user task)] -> After (a job) -> Finished; ``esp`` inside Work."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" {C7[0]}
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="scoped" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:subProcess id="Work">
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
      <bpmn:startEvent id="WorkStart"><bpmn:outgoing>W1</bpmn:outgoing></bpmn:startEvent>
      <bpmn:userTask id="Operate"><bpmn:incoming>W1</bpmn:incoming><bpmn:outgoing>W2</bpmn:outgoing></bpmn:userTask>
      <bpmn:endEvent id="WorkEnd"><bpmn:incoming>W2</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="W1" sourceRef="WorkStart" targetRef="Operate" />
      <bpmn:sequenceFlow id="W2" sourceRef="Operate" targetRef="WorkEnd" />
      {esp}
    </bpmn:subProcess>
    {service_task(C7, "After", "after", "<bpmn:incoming>F2</bpmn:incoming><bpmn:outgoing>F3</bpmn:outgoing>")}
    <bpmn:endEvent id="Finished"><bpmn:incoming>F3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Work" />
    <bpmn:sequenceFlow id="F2" sourceRef="Work" targetRef="After" />
    <bpmn:sequenceFlow id="F3" sourceRef="After" targetRef="Finished" />
  </bpmn:process>
</bpmn:definitions>""".encode()


def states(engine: Engine, instance_id: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for activity in engine.view(instance_id).activities:
        found.setdefault(activity.element_id, []).append(activity.state)
    return found


def alerts(engine: Engine, instance_id: str) -> int:
    """How many instances of the event subprocess were started."""
    return len(states(engine, instance_id).get("Overheating", []))


def job_elements(engine: Engine, instance_id: str) -> list[str]:
    return sorted(j["element_id"] for j in engine.view(instance_id).jobs)


def test_interrupting_start_set_by_the_variables_api_cancels_the_rest_of_the_process(engine: Engine) -> None:
    engine.deploy([("m.bpmn", monitored(event_subprocess("${temperature > 30}", interrupting=True)))])
    instance = engine.start("monitored", {"temperature": 20})
    run_jobs(engine, {"measure": Jobs().answer()})
    engine.set_variables(instance.id, {"temperature": 25})
    assert alerts(engine, instance.id) == 0, "the condition is still false"

    engine.set_variables(instance.id, {"temperature": 35})

    found = states(engine, instance.id)
    assert found["Operate"] == ["CANCELLED"] and found["Overheating"] == ["STARTED"]
    assert job_elements(engine, instance.id) == ["Alert"]
    (job,) = engine.view(instance.id).jobs
    assert job["variables"]["temperature"] == 35, "the event subprocess sees the scope's values now"
    engine.set_variables(instance.id, {"temperature": 50})
    assert alerts(engine, instance.id) == 1, "an interrupted scope starts nothing more"
    run_jobs(engine, {"alert": Jobs().answer()})
    assert engine.instance(instance.id).state == "completed"
    assert "Finished" not in states(engine, instance.id)


def test_non_interrupting_start_set_by_task_completion_runs_alongside(engine: Engine) -> None:
    engine.deploy([("m.bpmn", monitored(event_subprocess("${temperature > 30}", interrupting=False)))])
    instance = engine.start("monitored", {"temperature": 20})

    run_jobs(engine, {"measure": Jobs().answer({"temperature": 41})})

    found = states(engine, instance.id)
    assert found["Operate"] == ["READY"] and found["Overheating"] == ["STARTED"]
    run_jobs(engine, {"alert": Jobs().answer({"alerted": True})})
    assert states(engine, instance.id)["Overheating"] == ["COMPLETED"]
    assert engine.instance(instance.id).state == "running", "the main flow still waits at Operate"
    (task,) = engine.user_tasks(instance.id)
    engine.complete_user_task(instance.id, task["task_id"], {})
    assert engine.instance(instance.id).state == "completed"


def test_condition_true_when_the_scope_starts_fires_at_once(engine: Engine) -> None:
    engine.deploy([("m.bpmn", monitored(event_subprocess("${temperature > 30}", interrupting=True)))])
    instance = engine.start("monitored", {"temperature": 99})
    assert states(engine, instance.id)["Overheating"] == ["STARTED"]
    assert job_elements(engine, instance.id) == ["Alert"], "Measure was cancelled before its job ran"


def test_non_interrupting_juel_start_fires_again_on_any_change_while_true_as_camunda_7_does(engine: Engine) -> None:
    engine.deploy([("m.bpmn", monitored(event_subprocess("${temperature > 30}", interrupting=False)))])
    instance = engine.start("monitored", {"temperature": 35})
    assert alerts(engine, instance.id) == 1
    engine.set_variables(instance.id, {"note": "unrelated"})
    assert alerts(engine, instance.id) == 2, "no variableName: every variable change evaluates the condition"
    engine.set_variables(instance.id, {"note": "unrelated"})
    assert alerts(engine, instance.id) == 2, "the same value again is no change"
    engine.set_variables(instance.id, {"temperature": 10, "note": "cooler"})
    assert alerts(engine, instance.id) == 2, "a change while the condition is false starts nothing"


def test_variable_name_filter_limits_which_changes_evaluate_the_condition(engine: Engine) -> None:
    esp = event_subprocess("${temperature > 30}", interrupting=False, attributes='camunda:variableName="temperature"')
    engine.deploy([("m.bpmn", monitored(esp))])
    instance = engine.start("monitored", {"temperature": 35})
    assert alerts(engine, instance.id) == 1
    engine.set_variables(instance.id, {"note": "unrelated"})
    assert alerts(engine, instance.id) == 1
    engine.set_variables(instance.id, {"temperature": 36})
    assert alerts(engine, instance.id) == 2


def test_variable_events_filter_limits_the_kind_of_change(engine: Engine) -> None:
    esp = event_subprocess(
        "${pressure > 5}",
        interrupting=False,
        attributes='camunda:variableName="pressure" camunda:variableEvents="create"',
    )
    engine.deploy([("m.bpmn", monitored(esp))])
    instance = engine.start("monitored", {})
    engine.set_variables(instance.id, {"pressure": 7})
    assert alerts(engine, instance.id) == 1, "created while true"
    engine.set_variables(instance.id, {"pressure": 8})
    assert alerts(engine, instance.id) == 1, "an update is filtered out"


def test_camunda_8_feel_start_listens_to_the_variables_it_reads(engine: Engine) -> None:
    esp = event_subprocess("=temperature &gt; 30", interrupting=False, dialect=C8)
    engine.deploy([("m.bpmn", monitored(esp, C8))])
    instance = engine.start("monitored", {"temperature": 20})
    engine.set_variables(instance.id, {"temperature": 31})
    assert alerts(engine, instance.id) == 1
    engine.set_variables(instance.id, {"note": "unrelated"})
    assert alerts(engine, instance.id) == 1, "FEEL: only the variables the condition reads"
    engine.set_variables(instance.id, {"temperature": 32})
    assert alerts(engine, instance.id) == 2


def test_zeebe_conditional_filter_restricts_names_and_events(engine: Engine) -> None:
    filters = '<zeebe:conditionalFilter variableNames="level" variableEvents="update" />'
    esp = event_subprocess("=level &gt; 3 or boost", interrupting=False, filters=filters, dialect=C8)
    engine.deploy([("m.bpmn", monitored(esp, C8))])
    instance = engine.start("monitored", {"level": 1})
    engine.set_variables(instance.id, {"boost": True})
    assert alerts(engine, instance.id) == 0, "boost is not in variableNames"
    engine.set_variables(instance.id, {"level": 2})
    assert alerts(engine, instance.id) == 1, "an update of level, and the condition holds (boost)"


def test_start_in_an_embedded_subprocess_interrupts_only_that_subprocess(engine: Engine) -> None:
    engine.deploy([("s.bpmn", in_subprocess(event_subprocess("${abort == true}", interrupting=True)))])
    instance = engine.start("scoped", {"abort": False})
    assert states(engine, instance.id)["Operate"] == ["READY"]

    engine.set_variables(instance.id, {"abort": True})

    found = states(engine, instance.id)
    assert found["Operate"] == ["CANCELLED"] and found["Overheating"] == ["STARTED"]
    assert found["Work"] == ["STARTED"]
    run_jobs(engine, {"alert": Jobs().answer()})
    assert states(engine, instance.id)["Work"] == ["COMPLETED"]
    assert job_elements(engine, instance.id) == ["After"], "the process goes on after the subprocess"
    run_jobs(engine, {"after": Jobs().answer()})
    assert engine.instance(instance.id).state == "completed"


def test_non_interrupting_start_in_an_embedded_subprocess_leaves_its_work_running(engine: Engine) -> None:
    engine.deploy([("s.bpmn", in_subprocess(event_subprocess("${level > 3}", interrupting=False)))])
    instance = engine.start("scoped", {"level": 0})
    engine.set_variables(instance.id, {"level": 4})
    found = states(engine, instance.id)
    assert found["Operate"] == ["READY"] and found["Overheating"] == ["STARTED"]
    run_jobs(engine, {"alert": Jobs().answer()})
    (task,) = engine.user_tasks(instance.id)
    engine.complete_user_task(instance.id, task["task_id"], {})
    run_jobs(engine, {"after": Jobs().answer()})
    assert engine.instance(instance.id).state == "completed"


@pytest.mark.parametrize("interrupting", [True, False])
def test_a_restart_between_the_change_and_the_next_step_keeps_what_was_seen(
    make_engine: Callable[..., Engine], interrupting: bool
) -> None:
    first = make_engine()
    first.deploy([("m.bpmn", monitored(event_subprocess("${temperature > 30}", interrupting=interrupting)))])
    instance = first.start("monitored", {"temperature": 20})
    first.set_variables(instance.id, {"temperature": 35})
    assert alerts(first, instance.id) == 1
    first.close()

    second = make_engine()
    second.set_variables(instance.id, {"temperature": 35})
    assert alerts(second, instance.id) == 1, "after the restart the same value is still no change"
    second.set_variables(instance.id, {"temperature": 40})
    assert alerts(second, instance.id) == (1 if interrupting else 2)
    run_jobs(second, {"alert": Jobs().answer(), "measure": Jobs().answer()})
    if interrupting:
        assert second.instance(instance.id).state == "completed"
    else:
        assert states(second, instance.id)["Overheating"] == ["COMPLETED", "COMPLETED"]


def test_a_start_condition_giving_a_non_boolean_is_an_incident_naming_the_event(engine: Engine) -> None:
    engine.deploy([("m.bpmn", monitored(event_subprocess("${temperature}", interrupting=True)))])
    instance = engine.start("monitored", {"temperature": 20})
    (incident,) = engine.incidents(instance.id)
    assert "conditional event 'TooHot'" in incident.message and "not true or false" in incident.message

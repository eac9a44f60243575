"""Input/output mappings on script tasks, subprocesses and catch events, in both dialects, as Camunda applies them."""

from __future__ import annotations

import pytest

from engine.engine import Engine
from steadyflow.errors import ModelValidationError
from tests.conftest import deploy


def test_c8_script_task_inputs_see_earlier_inputs_and_only_outputs_reach_the_process(engine: Engine) -> None:
    deploy(engine, "io-mappings/c8-script-task-io.bpmn")

    instance = engine.start("c8-script-task-io", {"price": 10, "quantity": 3, "order": {"id": "A-1"}})

    assert engine.instance(instance.id).state == "completed"
    variables = engine.view(instance.id).variables
    assert variables["orderTotal"] == 41  # (10 * 3) * 1.2 + 5: each input read the one before it
    assert variables["order"] == {"id": "A-1", "net": 30}  # a nested output target merges into the variable
    for local in ("net", "gross", "shipping", "total"):
        assert local not in variables  # inputs and, with outputs, the result variable stay local


def test_c8_script_task_without_outputs_propagates_its_result_but_not_its_inputs(engine: Engine) -> None:
    deploy(engine, "io-mappings/c8-script-task-io.bpmn")

    instance = engine.start("c8-script-task-io", {"price": 1, "quantity": 5})

    variables = engine.view(instance.id).variables
    assert variables["doubled"] == 22  # 2 * (5 * 1.2 + 5)
    assert "factor" not in variables


def test_c8_subprocess_inputs_are_local_and_its_outputs_reach_the_process(engine: Engine) -> None:
    deploy(engine, "io-mappings/c8-subprocess-io.bpmn")

    instance = engine.start("c8-subprocess-io", {"items": ["a", "b", "c"]})

    assert engine.instance(instance.id).state == "completed"
    variables = engine.view(instance.id).variables
    assert variables["parcelLabel"] == "box-3"
    assert variables["weight"] == 6  # set inside by a task: propagates, as in Zeebe
    assert "parcel" not in variables
    assert "label" not in variables


def test_c8_message_catch_event_outputs_replace_the_payload(engine: Engine) -> None:
    deploy(engine, "io-mappings/c8-message-catch-io.bpmn")
    instance = engine.start("c8-message-catch-io", {"orderId": "O-7"})

    engine.correlate("io-paid", "O-7", {"amount": 10, "note": "paid by card"})

    assert engine.instance(instance.id).state == "completed"
    variables = engine.view(instance.id).variables
    assert variables["doubleAmount"] == 20
    assert "amount" not in variables  # with outputs, the payload stays in the event's scope
    assert "note" not in variables


def test_c7_script_task_and_subprocess_map_inputs_and_outputs(engine: Engine) -> None:
    deploy(engine, "io-mappings/c7-script-task-io.bpmn")

    instance = engine.start("c7-script-task-io", {"price": 4, "quantity": 2})

    assert engine.instance(instance.id).state == "completed"
    variables = engine.view(instance.id).variables
    assert variables["total"] == 26  # Camunda 7 sets the result variable in the process: (4 * 2) * 2 + 10
    assert variables["orderTotal"] == 27
    assert variables["shippedBy"] == "dhl"
    assert variables["tracking"] == "dhl"  # set inside the subprocess by a task that saw the input
    for local in ("net", "gross", "carrier"):
        assert local not in variables


@pytest.mark.parametrize(
    ("name", "element", "message"),
    [
        ("io-mappings/c8-start-event-inputs.bpmn", "StartEvent_1", "Camunda 8 does not apply input mappings"),
        ("io-mappings/c7-boundary-event-mapping.bpmn", "Event_Late", "Camunda 7 refuses output mappings"),
    ],
)
def test_a_mapping_camunda_does_not_apply_is_refused_at_deploy(
    engine: Engine, name: str, element: str, message: str
) -> None:
    with pytest.raises(ModelValidationError) as caught:
        deploy(engine, name)

    problems = [p for p in caught.value.problems if p.element_id == element]
    assert problems, caught.value.problems
    assert message in problems[0].message
    assert problems[0].hint and "remove the" in problems[0].hint

"""A call activity's binding, read from either dialect: what deploy accepts, refuses, and what a run asks for."""

from __future__ import annotations

from typing import Any

import pytest

from bpmn.call_activity import MappedCallActivity
from bpmn.dialects.call_binding import CallRequest
from bpmn.parser import parse_model
from steadyflow.errors import ExpressionEvaluationError, ModelValidationError

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    id="D" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="Call_1" />
    {call}
    <bpmn:sequenceFlow id="f2" sourceRef="Call_1" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>
"""


def call_spec(call: str) -> MappedCallActivity:
    model = parse_model(MODEL.format(call=call).encode(), "model.bpmn")
    spec = model.processes["p"].spec.task_specs["Call_1"]
    assert isinstance(spec, MappedCallActivity)
    return spec


def c8(attributes: str) -> str:
    return (
        '<bpmn:callActivity id="Call_1"><bpmn:extensionElements>'
        f"<zeebe:calledElement {attributes} /></bpmn:extensionElements></bpmn:callActivity>"
    )


@pytest.mark.parametrize(
    ("call", "variables", "expected"),
    [
        ('<bpmn:callActivity id="Call_1" calledElement="child" />', {}, CallRequest("child")),
        (
            '<bpmn:callActivity id="Call_1" calledElement="${key}" camunda:calledElementBinding="version" '
            'camunda:calledElementVersion="${release + 1}" />',
            {"key": "child", "release": 1},
            CallRequest("child", "version", version=2),
        ),
        (
            '<bpmn:callActivity id="Call_1" calledElement="child" camunda:calledElementBinding="versionTag" '
            'camunda:calledElementVersionTag="${tag}" />',
            {"tag": "2024.1"},
            CallRequest("child", "versionTag", version_tag="2024.1"),
        ),
        (
            '<bpmn:callActivity id="Call_1" calledElement="child" camunda:calledElementBinding="deployment" />',
            {},
            CallRequest("child", "deployment"),
        ),
        (c8('processId="=&#34;child-&#34; + region"'), {"region": "eu"}, CallRequest("child-eu")),
        (
            c8('processId="child" bindingType="versionTag" versionTag="v3"'),
            {},
            CallRequest("child", "versionTag", None, "v3"),
        ),
        (c8('processId="child" bindingType="deployment"'), {}, CallRequest("child", "deployment")),
    ],
    ids=[
        "c7-latest",
        "c7-version-expression",
        "c7-tag-expression",
        "c7-deployment",
        "c8-feel",
        "c8-tag",
        "c8-deployment",
    ],
)
def test_a_run_asks_for_the_process_and_version_its_binding_names(
    call: str, variables: dict[str, Any], expected: CallRequest
) -> None:
    assert call_spec(call).binding.request(variables, "Call_1") == expected


def test_a_called_process_may_be_missing_at_deploy() -> None:
    spec = call_spec('<bpmn:callActivity id="Call_1" calledElement="not-deployed-yet" />')

    assert spec.binding.request({}, "Call_1").process_id == "not-deployed-yet"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            '<bpmn:callActivity id="Call_1" calledElement="child" camunda:calledElementBinding="version" />',
            "calledElementBinding is version, but no calledElementVersion says which",
        ),
        (
            '<bpmn:callActivity id="Call_1" calledElement="child" camunda:calledElementBinding="version" '
            'camunda:calledElementVersion="two" />',
            "calledElementVersion 'two' is not a version number",
        ),
        (
            '<bpmn:callActivity id="Call_1" calledElement="child" camunda:calledElementBinding="versionTag" />',
            "calledElementBinding is versionTag, but no calledElementVersionTag says which",
        ),
        (
            '<bpmn:callActivity id="Call_1" calledElement="child" camunda:calledElementBinding="newest" />',
            "calledElementBinding 'newest' is not one Camunda 7 knows",
        ),
        (c8('processId="child" bindingType="versionTag"'), "binding is versionTag, but it names no version tag"),
        (c8('processId="child" bindingType="version"'), "bindingType 'version' of the called element"),
        ('<bpmn:callActivity id="Call_1" calledElement="${key +}" />', "called element:"),
    ],
    ids=["no-version", "version-not-number", "no-tag", "unknown-c7", "no-tag-c8", "unknown-c8", "bad-expression"],
)
def test_a_malformed_binding_is_refused_naming_the_element(call: str, message: str) -> None:
    with pytest.raises(ModelValidationError) as refused:
        parse_model(MODEL.format(call=call).encode(), "model.bpmn")

    problems = [p for p in refused.value.problems if message in p.message]
    assert problems and problems[0].element_id == "Call_1" and problems[0].line


@pytest.mark.parametrize(
    ("call", "variables", "message"),
    [
        ('<bpmn:callActivity id="Call_1" calledElement="${key}" />', {"key": None}, "not a process id"),
        (c8('processId="=key"'), {"key": 42}, "not a process id"),
        (
            '<bpmn:callActivity id="Call_1" calledElement="child" camunda:calledElementBinding="version" '
            'camunda:calledElementVersion="${v}" />',
            {"v": 0},
            "not a version number",
        ),
    ],
)
def test_an_expression_that_gives_no_process_or_version_names_the_element(
    call: str, variables: dict[str, Any], message: str
) -> None:
    with pytest.raises(ExpressionEvaluationError, match=message) as failed:
        call_spec(call).binding.request(variables, "Call_1", "task-1")

    assert failed.value.element_id == "Call_1" and failed.value.task_id == "task-1"


def test_the_version_tag_of_a_process_is_read_in_both_dialects() -> None:
    c7 = MODEL.replace('isExecutable="true"', 'isExecutable="true" camunda:versionTag="1.2"')
    zeebe = MODEL.replace(
        '<bpmn:startEvent id="StartEvent_1" />',
        '<bpmn:extensionElements><zeebe:versionTag value="v7" /></bpmn:extensionElements>'
        '<bpmn:startEvent id="StartEvent_1" />',
    )
    call = '<bpmn:callActivity id="Call_1" calledElement="child" />'

    assert parse_model(c7.format(call=call).encode(), "a.bpmn").processes["p"].version_tag == "1.2"
    assert parse_model(zeebe.format(call=call).encode(), "b.bpmn").processes["p"].version_tag == "v7"
    assert parse_model(MODEL.format(call=call).encode(), "c.bpmn").processes["p"].version_tag is None

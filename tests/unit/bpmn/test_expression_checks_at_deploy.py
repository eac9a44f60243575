"""Every expression a model carries is syntax-checked at deploy, located at its element and line."""

from __future__ import annotations

import pytest

from tests.unit.bpmn.test_model_refusals import PROCESS, refused

C7 = PROCESS.replace(
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"',
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"',
)
MESSAGE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="D" targetNamespace="t">
  <bpmn:message id="Msg_1" name="paid">
    <bpmn:extensionElements><zeebe:subscription correlationKey="=order id +" /></bpmn:extensionElements>
  </bpmn:message>
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="Task_1" />
    <bpmn:receiveTask id="Task_1" messageRef="Msg_1" />
    <bpmn:sequenceFlow id="f2" sourceRef="Task_1" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.mark.parametrize(
    ("xml", "what"),
    [
        (
            PROCESS.format(
                task='<bpmn:scriptTask id="Task_1"><bpmn:extensionElements>\n'
                '<zeebe:script expression="=a +" resultVariable="out" />'
                "</bpmn:extensionElements></bpmn:scriptTask>"
            ),
            "script expression",
        ),
        (
            C7.format(
                task='<bpmn:scriptTask id="Task_1" scriptFormat="juel" camunda:resultVariable="out">\n'
                "<bpmn:script>${a +}</bpmn:script></bpmn:scriptTask>"
            ),
            "script",
        ),
        (
            C7.format(
                task='<bpmn:scriptTask id="Task_1" scriptFormat="feel" camunda:resultVariable="out">\n'
                "<bpmn:script>a +</bpmn:script></bpmn:scriptTask>"
            ),
            "script",
        ),
        (
            C7.format(
                task='<bpmn:callActivity id="Task_1" calledElement="p"><bpmn:extensionElements>\n'
                '<camunda:in sourceExpression="${a +}" target="x" />'
                "</bpmn:extensionElements></bpmn:callActivity>"
            ),
            "call activity mapping",
        ),
        (
            PROCESS.format(
                task='<bpmn:callActivity id="Task_1"><bpmn:extensionElements>\n'
                '<zeebe:calledElement processId="p" /><zeebe:ioMapping><zeebe:input source="=a +" target="x" />'
                "</zeebe:ioMapping></bpmn:extensionElements></bpmn:callActivity>"
            ),
            "call activity mapping",
        ),
        (MESSAGE, "correlation key"),
    ],
    ids=["zeebe-script", "juel-script", "feel-script", "c7-call-mapping", "c8-call-mapping", "correlation-key"],
)
def test_an_expression_that_does_not_parse_is_refused_at_deploy_with_element_and_line(xml: str, what: str) -> None:
    error = refused(xml)
    located = [p for p in error.problems if p.element_id in ("Task_1", "Msg_1") and what in p.message]
    assert located, [str(p) for p in error.problems]
    assert located[0].line is not None and located[0].line > 1
    assert "a +" in located[0].message or "order id +" in located[0].message

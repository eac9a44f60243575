"""What Camunda deploys and runs although it is not executable BPMN in SpiffWorkflow's eyes.

Data stores, data objects and their associations are drawn but not executed;
a Camunda 7 exclusive gateway takes an outgoing flow without a condition as if
it were true (Camunda 8 refuses such a flow, and so do we).
"""

from __future__ import annotations

import pytest

from bpmn.parser import parse_model
from engine.engine import Engine
from steadyflow.errors import ModelValidationError
from tests.conftest import run_jobs

C7 = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{pid}" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    {body}
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_1"><bpmndi:BPMNPlane id="Plane_1" bpmnElement="{pid}">
    <bpmndi:BPMNShape id="End_Big_di" bpmnElement="End_Big"><dc:Bounds x="400" y="300" width="36" height="36" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="End_Other_di" bpmnElement="End_Other"><dc:Bounds x="400" y="100" width="36" height="36" />
    </bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
"""
"""End_Other is drawn above End_Big: the order flows are tried in must not follow the drawing."""

DATA = """
    <bpmn:dataStoreReference id="DataStore_Orders" name="Orders database" />
    <bpmn:dataObjectReference id="DataObjectRef_Approval" name="Approval" dataObjectRef="DataObject_Approval" />
    <bpmn:dataObject id="DataObject_Approval" />
    <bpmn:serviceTask id="Activity_Check" name="Check order" camunda:type="external" camunda:topic="check">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:ioSpecification id="Io_1">
        <bpmn:dataInput id="DataInput_1" name="order" />
        <bpmn:inputSet id="InputSet_1"><bpmn:dataInputRefs>DataInput_1</bpmn:dataInputRefs></bpmn:inputSet>
        <bpmn:outputSet id="OutputSet_1" />
      </bpmn:ioSpecification>
      <bpmn:dataInputAssociation id="DIA_1"><bpmn:sourceRef>DataStore_Orders</bpmn:sourceRef>
        <bpmn:targetRef>DataInput_1</bpmn:targetRef></bpmn:dataInputAssociation>
      <bpmn:dataOutputAssociation id="DOA_1"><bpmn:targetRef>DataObjectRef_Approval</bpmn:targetRef>
      </bpmn:dataOutputAssociation>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="Activity_Check" />
    <bpmn:serviceTask id="Activity_Ship" name="Ship" camunda:type="external" camunda:topic="ship">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:dataInputAssociation id="DIA_2"><bpmn:sourceRef>DataObjectRef_Approval</bpmn:sourceRef>
      </bpmn:dataInputAssociation>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="Activity_Check" targetRef="Activity_Ship" />
    <bpmn:endEvent id="EndEvent_1"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="Activity_Ship" targetRef="EndEvent_1" />
"""

GATEWAY = """
    <bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="Gateway_Size" />
    <bpmn:exclusiveGateway id="Gateway_Size" name="Big order?" />
    <bpmn:sequenceFlow id="f_big" sourceRef="Gateway_Size" targetRef="End_Big">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_other" sourceRef="Gateway_Size" targetRef="End_Other" />
    <bpmn:endEvent id="End_Big" />
    <bpmn:endEvent id="End_Other" />
"""


def test_data_stores_objects_and_associations_are_drawn_but_not_executed(engine: Engine) -> None:
    xml = C7.format(pid="with-data", body=DATA).encode()
    model = parse_model(xml, "with-data.bpmn")
    kinds = sorted(w.message.split(" are not executed")[0] for w in model.warnings)
    assert kinds == ["data associations", "data objects", "data stores", "input/output specifications"]

    engine.deploy([("with-data.bpmn", xml)])
    instance = engine.start("with-data", {})
    seen: list[dict[str, object]] = []
    run_jobs(engine, {"check": lambda job: {"approved": True}, "ship": lambda job: seen.append(job.variables)})

    assert engine.instance(instance.id).state == "completed"
    assert seen[0]["approved"] is True, "a variable named like nothing drawn moves as usual"


@pytest.mark.parametrize(("amount", "end"), [(500, "End_Big"), (50, "End_Other")])
def test_camunda7_takes_a_flow_without_condition_when_no_flow_before_it_is_taken(
    engine: Engine, amount: int, end: str
) -> None:
    xml = C7.format(pid="gateway", body=GATEWAY.format(condition="${amount > 100}")).encode()
    (warning,) = parse_model(xml, "gateway.bpmn").warnings
    assert warning.element_id == "f_other" and "without a condition" in warning.message

    engine.deploy([("gateway.bpmn", xml)])
    instance = engine.start("gateway", {"amount": amount})

    ended = [e["element_id"] for e in engine.view(instance.id).history if e["type"] == "ActivityCompleted"]
    assert end in ended and ({"End_Big", "End_Other"} - {end}).isdisjoint(ended)


@pytest.mark.parametrize(("amount", "end"), [(500, "End_Big"), (50, "End_Other")])
def test_an_exclusive_gateway_tries_its_flows_in_the_order_they_are_defined(
    engine: Engine, amount: int, end: str
) -> None:
    """Camunda takes the first defined flow whose condition holds, wherever its target is drawn."""
    body = GATEWAY.format(condition="${amount > 100}").replace(
        '<bpmn:sequenceFlow id="f_other" sourceRef="Gateway_Size" targetRef="End_Other" />',
        '<bpmn:sequenceFlow id="f_other" sourceRef="Gateway_Size" targetRef="End_Other">'
        '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${amount > 10}</bpmn:conditionExpression>'
        "</bpmn:sequenceFlow>",
    )
    engine.deploy([("ordered.bpmn", C7.format(pid="ordered", body=body).encode())])
    instance = engine.start("ordered", {"amount": amount})

    ended = [e["element_id"] for e in engine.view(instance.id).history if e["type"] == "ActivityCompleted"]
    assert end in ended and ({"End_Big", "End_Other"} - {end}).isdisjoint(ended)


def test_camunda8_refuses_a_flow_without_condition_that_is_not_the_default() -> None:
    xml = (
        C7.format(pid="gateway8", body=GATEWAY.format(condition="=amount &gt; 100"))
        .replace(
            'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"', 'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"'
        )
        .replace(
            'id="Definitions_1"',
            'id="Definitions_1" xmlns:modeler="http://camunda.org/schema/modeler/1.0" '
            'modeler:executionPlatform="Camunda Cloud"',
        )
    )
    with pytest.raises(ModelValidationError) as refused:
        parse_model(xml.encode(), "gateway8.bpmn")

    (problem,) = refused.value.problems
    assert problem.element_id == "f_other"
    assert "default flow" in (problem.hint or "")


def test_a_thrown_link_nobody_catches_is_refused_with_its_name() -> None:
    body = """
    <bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="Link_Out" />
    <bpmn:intermediateThrowEvent id="Link_Out"><bpmn:linkEventDefinition id="L1" name="next" />
    </bpmn:intermediateThrowEvent>
    <bpmn:intermediateCatchEvent id="Link_In"><bpmn:linkEventDefinition id="L2" name="nxet" />
    </bpmn:intermediateCatchEvent>
    """
    xml = C7.format(pid="links", body=body)
    with pytest.raises(ModelValidationError) as refused:
        parse_model(xml.encode(), "links.bpmn")

    (problem,) = refused.value.problems
    line = next(n for n, text in enumerate(xml.splitlines(), 1) if 'id="Link_Out"' in text)
    assert (problem.element_id, problem.line) == ("Link_Out", line)
    assert "'next'" in problem.message and "catching link event named 'next'" in (problem.hint or "")

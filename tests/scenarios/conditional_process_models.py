"""Models for the tests of processes' own conditional start events, in both Camunda dialects."""

from __future__ import annotations

from dataclasses import dataclass

C7_NS = 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
C8_NS = 'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"'


@dataclass(frozen=True)
class Dialect:
    name: str
    namespace: str

    def condition(self, juel: str, feel: str) -> str:
        return juel if self.name == "c7" else feel

    def definition(self, condition: str, variable_names: str | None = None) -> str:
        """A conditionalEventDefinition with ``condition`` and, optionally, the dialect's variable filter."""
        if self.name == "c7":
            names = f' camunda:variableName="{variable_names}"' if variable_names else ""
            return (
                f"<bpmn:conditionalEventDefinition{names}>"
                f'<bpmn:condition xsi:type="bpmn:tFormalExpression">{condition}</bpmn:condition>'
                "</bpmn:conditionalEventDefinition>"
            )
        extension = (
            f'<bpmn:extensionElements><zeebe:conditionalFilter variableNames="{variable_names}" />'
            "</bpmn:extensionElements>"
            if variable_names
            else ""
        )
        return (
            f"<bpmn:conditionalEventDefinition>{extension}"
            f'<bpmn:condition xsi:type="bpmn:tFormalExpression">{condition}</bpmn:condition>'
            "</bpmn:conditionalEventDefinition>"
        )


C7 = Dialect("c7", C7_NS)
C8 = Dialect("c8", C8_NS)
DIALECTS = [C7, C8]


def process(dialect: Dialect, process_id: str, starts: list[tuple[str, str, str | None]]) -> bytes:
    """Process ``process_id``: each (start id, condition, variable filter) leads to a user task ``Handle_<id>``."""
    body = []
    for element_id, condition, names in starts:
        body.append(
            f'<bpmn:startEvent id="{element_id}">{dialect.definition(condition, names)}'
            f"<bpmn:outgoing>F_{element_id}</bpmn:outgoing></bpmn:startEvent>"
            f'<bpmn:userTask id="Handle_{element_id}"><bpmn:incoming>F_{element_id}</bpmn:incoming>'
            f"<bpmn:outgoing>G_{element_id}</bpmn:outgoing></bpmn:userTask>"
            f'<bpmn:endEvent id="End_{element_id}"><bpmn:incoming>G_{element_id}</bpmn:incoming></bpmn:endEvent>'
            f'<bpmn:sequenceFlow id="F_{element_id}" sourceRef="{element_id}" targetRef="Handle_{element_id}" />'
            f'<bpmn:sequenceFlow id="G_{element_id}" sourceRef="Handle_{element_id}" targetRef="End_{element_id}" />'
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" {dialect.namespace}
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_{process_id}"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{process_id}" isExecutable="true">
    {"".join(body)}
  </bpmn:process>
</bpmn:definitions>""".encode()


def none_start_process(process_id: str) -> bytes:
    """A process with a none start event only: it never subscribes to a condition."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Definitions_{process_id}"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{process_id}" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:endEvent id="EndEvent_1"><bpmn:incoming>F1</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>""".encode()


def hot_and_cold(dialect: Dialect) -> list[tuple[str, bytes]]:
    """'cooling' starts when temperature > 30, 'heating' when temperature < 0."""
    return [
        (
            "cooling.bpmn",
            process(
                dialect,
                "cooling",
                [("TooHot", dialect.condition("${temperature &gt; 30}", "=temperature &gt; 30"), None)],
            ),
        ),
        (
            "heating.bpmn",
            process(
                dialect,
                "heating",
                [("TooCold", dialect.condition("${temperature &lt; 0}", "=temperature &lt; 0"), None)],
            ),
        ),
    ]

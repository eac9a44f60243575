"""The example models stay loadable and only name job types that have built-in handlers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from service_tasks import ServiceTaskRegistry

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
BPMNDI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
ZEEBE = "{http://camunda.org/schema/zeebe/1.0}"


def job_types(root: ET.Element) -> set[str]:
    topics = {task.get(f"{CAMUNDA}topic", "") for task in root.iter(f"{BPMN}serviceTask")}
    types = {d.get("type", "") for d in root.iter(f"{ZEEBE}taskDefinition")}
    return (topics | types) - {""}


@pytest.mark.parametrize(
    ("file", "process_id"),
    [
        ("database-creation.bpmn", "database-creation"),
        ("database-creation-c8.bpmn", "database-creation-c8"),
    ],
)
def test_example_is_well_formed_with_a_diagram_for_every_element(file: str, process_id: str) -> None:
    root = ET.parse(EXAMPLES / file).getroot()
    process = root.find(f"{BPMN}process")
    assert process is not None and process.get("id") == process_id
    elements = {e.get("id") for e in process if e.get("id")}
    drawn = {e.get("bpmnElement") for e in root.iter() if e.tag in (f"{BPMNDI}BPMNShape", f"{BPMNDI}BPMNEdge")}
    assert elements <= drawn
    assert job_types(root) <= set(ServiceTaskRegistry.default(False).types())


def test_camunda_7_example_forks_into_one_creation_per_region() -> None:
    root = ET.parse(EXAMPLES / "database-creation.bpmn").getroot()
    regions = {
        task.get("id"): [p.text for p in task.iter(f"{CAMUNDA}inputParameter") if p.get("name") == "region"]
        for task in root.iter(f"{BPMN}serviceTask")
        if task.get(f"{CAMUNDA}topic") == "create-database"
    }

    assert regions == {
        "Activity_CreateDatabaseIstanbul": ["Istanbul"],
        "Activity_CreateDatabaseAnkara": ["Ankara"],
    }
    listed = [v.text for v in root.iter(f"{CAMUNDA}value")]
    assert listed == ["Istanbul", "Ankara"]

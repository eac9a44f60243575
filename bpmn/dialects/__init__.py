"""Read Camunda 7, Camunda 8 and plain BPMN extension data into one set of definitions."""

from __future__ import annotations

from lxml import etree

from bpmn.dialects.camunda7 import CAMUNDA_NAMESPACES, camunda_attr, read_camunda7_job
from bpmn.dialects.definitions import IoMapping, JobDefinition, LoopDefinition, RetrySettings
from bpmn.dialects.templates import canonical_expression, template_from_text
from bpmn.dialects.xml_helpers import first_child
from bpmn.dialects.zeebe import read_zeebe_job, read_zeebe_loop
from steadyflow.errors import Problem

BPMN_NS = ("http://www.omg.org/spec/BPMN/20100524/MODEL",)

__all__ = [
    "IoMapping",
    "JobDefinition",
    "LoopDefinition",
    "RetrySettings",
    "read_job",
    "read_loop",
]


def read_job(node: etree._Element, problems: list[Problem], file: str | None) -> JobDefinition:
    """The job definition of a service-like task, whichever dialect wrote it."""
    job = read_zeebe_job(node, problems, file) or read_camunda7_job(node, problems, file)
    if job is not None:
        return job
    element_id = node.get("id", "")
    problems.append(
        Problem(
            f"no job type given; handlers and workers bind to the element id {element_id!r}",
            element_id=element_id,
            line=node.sourceline,
            file=file,
            hint="set a topic (Camunda 7 external task) or a job type (Camunda 8 task definition)",
            severity="warning",
        )
    )
    return JobDefinition(type={"literal": element_id}, dialect="bpmn")


def read_loop(mi_node: etree._Element, problems: list[Problem], file: str | None) -> LoopDefinition:
    """A bpmn:multiInstanceLoopCharacteristics in any dialect."""
    sequential = mi_node.get("isSequential", "false").strip() == "true"
    zeebe = read_zeebe_loop(mi_node, sequential)
    if zeebe is not None:
        return zeebe
    condition_node = first_child(mi_node, BPMN_NS, "completionCondition")
    condition = (
        canonical_expression(condition_node.text)
        if condition_node is not None and (condition_node.text or "").strip()
        else None
    )
    collection = camunda_attr(mi_node, "collection")
    if collection:
        text = collection.strip()
        source = template_from_text(text, "camunda7")
        return LoopDefinition(
            sequential=sequential,
            input_collection=source if "juel" in source else {"var": text},
            input_element=camunda_attr(mi_node, "elementVariable") or None,
            completion_condition=condition,
            first_counter=0,
        )
    cardinality_node = first_child(mi_node, BPMN_NS, "loopCardinality")
    input_ref = first_child(mi_node, BPMN_NS, "loopDataInputRef")
    input_item = first_child(mi_node, BPMN_NS, "inputDataItem")
    output_ref = first_child(mi_node, BPMN_NS, "loopDataOutputRef")
    output_item = first_child(mi_node, BPMN_NS, "outputDataItem")
    item_name = (input_item.get("name") or input_item.get("id")) if input_item is not None else None
    out_name = (output_item.get("name") or output_item.get("id")) if output_item is not None else None
    if input_ref is None and (cardinality_node is None or not (cardinality_node.text or "").strip()):
        owner = mi_node.getparent()
        problems.append(
            Problem(
                "multi-instance has neither a collection nor a cardinality",
                element_id=owner.get("id") if owner is not None else None,
                line=mi_node.sourceline,
                file=file,
                hint="set a collection (camunda:collection, zeebe inputCollection) or a loop cardinality",
            )
        )
    camunda7 = is_camunda7_document(mi_node)
    return LoopDefinition(
        sequential=sequential,
        first_counter=0 if camunda7 else 1,
        input_collection={"var": (input_ref.text or "").strip()} if input_ref is not None else None,
        cardinality=(
            template_from_text((cardinality_node.text or "").strip(), "bpmn") if cardinality_node is not None else None
        ),
        input_element=item_name,
        output_collection=(output_ref.text or "").strip() if output_ref is not None else None,
        output_element={"var": out_name} if out_name else None,
        completion_condition=condition,
    )


def is_camunda7_document(node: etree._Element) -> bool:
    """Whether the file was drawn for Camunda 7 (its namespace is declared on the root)."""
    namespaces = node.getroottree().getroot().nsmap.values()
    return any(ns in CAMUNDA_NAMESPACES for ns in namespaces)

"""Data objects, data stores and data associations: drawn, not executed, as in Camunda.

Camunda 7 and 8 deploy models with data store references, data objects and the
associations that connect them to tasks, and ignore them at run time: data moves
as process variables. SpiffWorkflow would instead run them (copy data objects in
and out of task data, require registered data stores, check ioSpecification
inputs), so they are taken out of the tree it parses. The stored XML keeps them,
so the diagram still shows them. Each kind found gets one warning.
"""

from __future__ import annotations

from lxml import etree

from bpmn.checks import problem_at
from bpmn.xml_loader import BPMN_NS
from steadyflow.errors import Problem

IGNORED = {
    "dataStoreReference": "data store",
    "dataStore": "data store",
    "dataObjectReference": "data object",
    "dataObject": "data object",
    "dataInputAssociation": "data association",
    "dataOutputAssociation": "data association",
    "ioSpecification": "input/output specification",
}


def drop_data_artifacts(root: etree._Element, file: str | None) -> list[Problem]:
    """Remove the data elements from ``root`` in place; one warning per kind that was there."""
    warnings: dict[str, Problem] = {}
    for local, kind in IGNORED.items():
        for node in list(root.iter(f"{{{BPMN_NS}}}{local}")):
            if kind not in warnings:
                message = f"{kind}s are not executed (as in Camunda): they stay in the diagram; "
                warnings[kind] = problem_at(node, message + "data moves as process variables", file, severity="warning")
            parent = node.getparent()
            if parent is not None:
                parent.remove(node)
    return list(warnings.values())

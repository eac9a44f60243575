"""Example data from the model: what Camunda Modeler saves as an element's example output.

Modeler keeps it as a ``zeebe:property`` named ``camundaModeler:exampleOutputJson`` on the
element (JSON text); ``useExampleData`` in a test case completes a job or user task with it.
"""

from __future__ import annotations

import json
from typing import Any

from bpmn.xml_loader import load_bpmn_xml
from steadyflow.errors import InvalidInputError
from steadyflow.testing.harness import ProcessTest

EXAMPLE_PROPERTY = "camundaModeler:exampleOutputJson"
ZEEBE = "{http://camunda.org/schema/zeebe/1.0}"


def example_output(test: ProcessTest, instance_id: str, element_id: str) -> dict[str, Any]:
    """The element's example output as variables; empty when the model has none."""
    definition_id = test.engine.instance(instance_id).definition_id
    xml, _ = test.queries.definition_xml(definition_id)
    root = load_bpmn_xml(xml.encode("utf-8"))
    for node in root.iter():
        if node.get("id") != element_id:
            continue
        for prop in node.iter(f"{ZEEBE}property"):
            if prop.get("name") == EXAMPLE_PROPERTY:
                try:
                    value = json.loads(prop.get("value") or "{}")
                except ValueError as exc:
                    raise InvalidInputError(
                        f"the example output of element '{element_id}' is not JSON ({exc}); fix it in the Modeler"
                    ) from exc
                if not isinstance(value, dict):
                    raise InvalidInputError(f"the example output of element '{element_id}' must be a JSON object")
                return value
    return {}

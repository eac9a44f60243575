"""Which elements and sequence flows the tests passed, per process, as JSON and as an HTML diagram.

An element counts as covered when an instance reached it (activated, waiting or done).
A sequence flow counts when a task of its target was created by a task of its source:
SpiffWorkflow's task tree records that, since a task's parent is the task whose
completion made it. The report's percentage is covered elements plus flows over all of
them, as Camunda's process test coverage counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bpmn.xml_loader import load_bpmn_xml
from steadyflow.testing.harness import ProcessTest

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
NODE_SUFFIXES = ("Task", "task", "Event", "Gateway", "subProcess", "callActivity", "transaction")
REACHED_STATES = {8, 16, 32, 64, 128}
COMPLETED, CANCELLED = 64, 256


@dataclass
class ProcessShape:
    """A process's flow nodes and sequence flows as drawn, and its XML (for the diagram)."""

    process_id: str
    name: str
    xml: str
    elements: dict[str, str] = field(default_factory=dict)
    """id -> BPMN type (local tag name)."""
    flows: dict[str, tuple[str, str]] = field(default_factory=dict)
    """id -> (source id, target id)."""


def shapes_of(xml: str) -> list[ProcessShape]:
    root = load_bpmn_xml(xml.encode("utf-8"))
    shapes = []
    for process in root.iter(f"{BPMN}process"):
        shape = ProcessShape(str(process.get("id")), str(process.get("name") or process.get("id")), xml)
        for node in process.iter():
            tag = str(node.tag).removeprefix(BPMN)
            node_id = node.get("id")
            if node_id is None or not isinstance(node.tag, str) or not str(node.tag).startswith(BPMN):
                continue
            if tag == "sequenceFlow":
                shape.flows[node_id] = (str(node.get("sourceRef")), str(node.get("targetRef")))
            elif tag.endswith(NODE_SUFFIXES) and tag not in ("textAnnotation",):
                shape.elements[node_id] = tag
        shapes.append(shape)
    return shapes


@dataclass
class ProcessCoverage:
    shape: ProcessShape
    elements: set[str] = field(default_factory=set)
    flows: set[str] = field(default_factory=set)

    @property
    def ratio(self) -> float:
        total = len(self.shape.elements) + len(self.shape.flows)
        return 1.0 if total == 0 else (len(self.elements) + len(self.flows)) / total

    def as_dict(self) -> dict[str, Any]:
        return {
            "process_id": self.shape.process_id,
            "name": self.shape.name,
            "coverage": round(self.ratio, 4),
            "elements": {"total": len(self.shape.elements), "covered": sorted(self.elements)},
            "flows": {"total": len(self.shape.flows), "covered": sorted(self.flows)},
            "not_covered": sorted(
                [e for e in self.shape.elements if e not in self.elements]
                + [f for f in self.shape.flows if f not in self.flows]
            ),
        }


def path_taken(test: ProcessTest, instance_id: str, shape: ProcessShape) -> tuple[set[str], set[str]]:
    """The elements an instance reached and the sequence flows it took."""
    view = test.engine.view(instance_id)
    activated = {e["task_id"] for e in view.history if e["type"] == "ActivityActivated"}
    with test.engine.db.read() as conn:
        rows = test.engine.store.task_rows(conn, instance_id)
    by_id = {r.id: r for r in rows}
    known = shape.elements
    elements: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for row in rows:
        if row.element_id not in known:
            continue
        parent = by_id.get(row.parent_id) if row.parent_id else None
        while parent is not None and parent.element_id not in known:
            parent = by_id.get(parent.parent_id) if parent.parent_id else None
        reached = row.state in REACHED_STATES or row.id in activated
        if known[row.element_id] == "boundaryEvent" or (
            parent is not None and known[str(parent.element_id)] == "eventBasedGateway"
        ):
            # Armed is not reached: a boundary event, or an event after an event-based gateway, waits from the
            # start; as in Camunda, it counts once it fired.
            reached = row.state == COMPLETED
        # A join keeps one task per arriving branch; all but the one that fires end cancelled,
        # yet each branch's token did arrive there.
        arrived = row.state == CANCELLED and known[row.element_id].endswith("Gateway")
        if reached:
            elements.add(row.element_id)
        if (reached or arrived) and parent is not None and parent.state == COMPLETED:
            pairs.add((str(parent.element_id), row.element_id))
    return elements, {flow for flow, ends in shape.flows.items() if ends in pairs}


class Coverage:
    """Coverage collected over any number of process tests (one per case file, say)."""

    def __init__(self) -> None:
        self.processes: dict[str, ProcessCoverage] = {}

    def add_models(self, test: ProcessTest) -> None:
        """Know every process deployed to ``test`` (so processes no test started count as 0 %)."""
        for record in test.queries.definition_records():
            if record.key not in self.processes:
                xml, _ = test.queries.definition_xml(record.id)
                for shape in shapes_of(xml):
                    self.processes.setdefault(shape.process_id, ProcessCoverage(shape))

    def record(self, test: ProcessTest, instance_ids: list[str]) -> None:
        """Add what these instances reached."""
        self.add_models(test)
        for instance_id in instance_ids:
            instance = test.engine.instance(instance_id)
            process = self.processes.get(instance.definition_key)
            if process is None:
                continue
            elements, flows = path_taken(test, instance_id, process.shape)
            process.elements |= elements
            process.flows |= flows

    def ratio(self) -> float:
        totals = [len(p.shape.elements) + len(p.shape.flows) for p in self.processes.values()]
        covered = [len(p.elements) + len(p.flows) for p in self.processes.values()]
        return 1.0 if sum(totals) == 0 else sum(covered) / sum(totals)

    def as_dict(self) -> dict[str, Any]:
        return {
            "coverage": round(self.ratio(), 4),
            "processes": [p.as_dict() for _, p in sorted(self.processes.items())],
        }

    def write(self, directory: Path, *, viewer_assets: Path | None = None) -> tuple[Path, Path]:
        """Write ``coverage.json`` and ``coverage.html`` into ``directory``; returns both paths.

        ``viewer_assets``: bpmn-js's ``dist`` folder; its viewer is copied beside the report so the
        HTML opens from disk. Without it the page loads the viewer from a steadyflow server's /vendor.
        """
        from steadyflow.testing.coverage_html import render_html

        directory.mkdir(parents=True, exist_ok=True)
        json_path = directory / "coverage.json"
        json_path.write_text(json.dumps(self.as_dict(), indent=2), encoding="utf-8")
        prefix = "/vendor/bpmn-js"
        if viewer_assets is not None:
            target = directory / "bpmn-js"
            (target / "assets").mkdir(parents=True, exist_ok=True)
            for name in ("bpmn-viewer.production.min.js", "assets/bpmn-js.css", "assets/diagram-js.css"):
                (target / name).write_bytes((viewer_assets / name).read_bytes())
            prefix = "bpmn-js"
        html_path = directory / "coverage.html"
        html_path.write_text(render_html(self, prefix), encoding="utf-8")
        return json_path, html_path


def bundled_viewer() -> Path | None:
    """bpmn-js's ``dist`` folder as the web UI ships it (``webui/node_modules`` or ``webui/vendor``), if present.

    Found by location, not imported: this layer sits below the web UI.
    """
    from importlib.util import find_spec

    spec = find_spec("webui")
    if spec is None or spec.origin is None:
        return None
    root = Path(spec.origin).parent
    for folder in (root / "node_modules" / "bpmn-js" / "dist", root / "vendor" / "bpmn-js"):
        if (folder / "bpmn-viewer.production.min.js").is_file():
            return folder
    return None

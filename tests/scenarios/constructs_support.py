"""Helpers for the construct scenarios: deploy Modeler models, find elements by their drawn names,
record what job handlers saw."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from xml.etree import ElementTree

from engine.engine import Engine
from engine.handlers import JobContext
from engine.queries import Queries
from engine.tasklist import Tasklist
from steadyflow.errors import Problem
from tests.conftest import DATA

CONSTRUCTS = DATA / "constructs"

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"

NOT_FLOW_NODES = {"definitions", "collaboration", "participant", "process", "sequenceFlow"}

NOT_FLOW_NODES |= {"message", "error", "escalation", "signal"}

Handler = Callable[[JobContext], dict[str, Any]]


class Construct:
    """Construct files deployed one after another, with their flow nodes' names as drawn in the Modeler."""

    def __init__(self, engine: Engine, *files: str) -> None:
        self.engine = engine
        self.warnings: list[Problem] = []
        self.names: dict[str, str] = {}
        for name in files:
            self.warnings += engine.deploy([(name, (CONSTRUCTS / name).read_bytes())]).warnings
            for node in ElementTree.parse(CONSTRUCTS / name).getroot().iter():
                tag = str(node.tag)
                if tag.startswith(BPMN) and tag.removeprefix(BPMN) not in NOT_FLOW_NODES and node.get("name"):
                    self.names[str(node.get("id"))] = str(node.get("name"))

    def id_of(self, name: str) -> str:
        found = [element_id for element_id, drawn in self.names.items() if drawn == name]
        assert len(found) == 1, f"{name!r} names {len(found)} flow nodes"
        return found[0]

    def states(self, instance_id: str) -> dict[str, str]:
        """Name -> state of the element's latest activity."""
        activities = self.engine.view(instance_id).activities
        return {self.names[a.element_id]: a.state for a in activities if a.element_id in self.names}

    def completed(self, instance_id: str) -> set[str]:
        return {name for name, state in self.states(instance_id).items() if state == "COMPLETED"}


class Jobs:
    """Handlers that record every job they run and answer with the given variables."""

    def __init__(self) -> None:
        self.runs: list[JobContext] = []

    def answer(self, variables: Mapping[str, Any] | None = None) -> Handler:
        def handler(job: JobContext) -> dict[str, Any]:
            self.runs.append(job)
            return dict(variables or {})

        return handler

    def types(self) -> list[str]:
        return [job.job_type for job in self.runs]

    def seen(self, job_type: str) -> list[dict[str, Any]]:
        return [dict(job.variables) for job in self.runs if job.job_type == job_type]


def form_tasklist(engine: Engine) -> Tasklist:
    return Tasklist(engine, Queries(engine))


def stock(in_stock: bool) -> Handler:
    return lambda job: {"inStock": in_stock}

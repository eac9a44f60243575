"""The activity-instance tree of one instance, built from its task rows (pure: no database).

SpiffWorkflow's task tree follows the tokens (a task's parent is the task it came from), not the
scopes people think in. This module turns the stored rows into Camunda's view: the process holds
its activity instances; a subprocess holds the activities of its own workflow; a multi-instance
body holds its inner instances, each labelled with its item ("Create database (istanbul)") and
loop counter. Counts come from the same walk and count inner instances only, never the body.
A call activity holds its called child's activities, named from the child's own model and marked
with the child's definition id (``engine.instance_models``); they are not elements of the
instance's diagram, so its counts and taken flows leave them out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.instance_models import InstanceModels
from engine.model_map import ModelMap
from engine.store.records import TaskRow

PREDICTED = (1, 2, 4)  # MAYBE, LIKELY, FUTURE: not reached (yet)
ACTIVE = (8, 16, 32)  # WAITING, READY, STARTED
COMPLETED = 64
ERROR = 128
CANCELLED = 256
LOOP_COUNTER = "loopCounter"
STATES = {8: "waiting", 16: "ready", 32: "active", 64: "completed", 128: "failed", 256: "cancelled"}
MAX_LABEL_ITEM = 40


@dataclass
class ActivityTimes:
    """When each task started and ended, from the ActivityActivated / Completed / Cancelled events."""

    started: dict[str, float] = field(default_factory=dict)
    ended: dict[str, float] = field(default_factory=dict)
    interrupted: set[str] = field(default_factory=set)

    def add(self, kind: str, task_id: str, at: float) -> None:
        if kind == "ActivityActivated":
            if task_id in self.ended:  # runs again after a rewind or a modification: a new run
                del self.ended[task_id]
                self.interrupted.discard(task_id)
                self.started[task_id] = at
            self.started.setdefault(task_id, at)
        elif kind in ("ActivityCompleted", "ActivityCancelled", "ActivityFailed"):
            self.ended[task_id] = at
            if kind == "ActivityCancelled":
                self.interrupted.add(task_id)


def is_inner_instance(row: TaskRow, parent: TaskRow | None) -> bool:
    """True for one instance of a multi-instance body (the body's own child spec, same element)."""
    return (
        parent is not None
        and parent.kind == "multi"
        and row.element_id == parent.element_id
        and row.spec_name != parent.spec_name
    )


def shown(row: TaskRow, times: ActivityTimes) -> bool:
    """A row people care about: an element that ran (or runs), not a prediction or internal spec."""
    if row.element_id is None or row.kind == "internal" or row.state in PREDICTED:
        return False
    return not (row.state == CANCELLED and row.id not in times.started)


def state_of(row: TaskRow, times: ActivityTimes) -> str:
    if row.state == COMPLETED and row.id in times.interrupted:
        return "cancelled"  # finished inside, but its interrupting boundary event took over
    return STATES.get(row.state, str(row.state))


def manifest(row: TaskRow) -> dict[str, str]:
    """A row's variable names -> content hashes (its ``data`` column)."""
    data = json.loads(row.data) if row.data else {}
    return data if isinstance(data, dict) else {}


def manifests_of(rows: Iterable[TaskRow]) -> dict[str, dict[str, str]]:
    """Every row's manifest, parsed once for all the walks of one request."""
    return {r.id: manifest(r) for r in rows if r.data and r.data != "{}"}


def inner_local_hashes(
    rows: Iterable[TaskRow],
    by_id: Mapping[str, TaskRow],
    models: InstanceModels,
    manifests: Mapping[str, dict[str, str]],
    per_body: int | None = None,
) -> dict[str, str]:
    """Hash of every inner instance's item and loop counter, keyed "<task id>/<name>" (to decode in one read).

    ``per_body`` limits it to the live inner instances and the first that many of each body (what
    a page shows of them, see ``webui.api.instances.activity_rows``).
    """
    wanted: dict[str, str] = {}
    seen: dict[str, int] = {}
    for row in sorted(rows, key=lambda r: r.seq):
        parent = by_id.get(row.parent_id or "")
        if parent is None or not is_inner_instance(row, parent):
            continue
        seen[parent.id] = seen.get(parent.id, 0) + 1
        if per_body is not None and seen[parent.id] > per_body and row.state not in (*ACTIVE, ERROR):
            continue
        data = manifests.get(row.id, {})
        for name in (models.model_of(row).loop_inputs.get(row.element_id or ""), LOOP_COUNTER):
            if name and name in data:
                wanted[f"{row.id}/{name}"] = data[name]
    return wanted


def label_item(value: Any) -> str:
    """An item as it reads in a label: strings bare, anything else as compact JSON, kept short."""
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), default=str)
    return text if len(text) <= MAX_LABEL_ITEM else text[: MAX_LABEL_ITEM - 1] + "…"


@dataclass
class TreeInputs:
    instance_id: str
    process_name: str
    rows: list[TaskRow]
    times: ActivityTimes
    models: InstanceModels
    """The instance's model and its called children's: each row is named from the model it runs."""
    locals_: Mapping[str, Any]
    """Decoded values of ``inner_local_hashes``, same keys."""
    incidents: Mapping[str, int] = field(default_factory=dict)
    """task id -> open incidents on it."""


def build_tree(inputs: TreeInputs) -> dict[str, Any]:
    """The process node with its activity instances nested by scope, in the order they started."""
    rows = sorted(inputs.rows, key=lambda r: r.seq)
    by_id = {r.id: r for r in rows}
    root: dict[str, Any] = {
        "id": inputs.instance_id,
        "element_id": None,
        "name": inputs.process_name,
        "label": inputs.process_name,
        "kind": "process",
        "definition_id": inputs.models.scopes.definition_id,
        "state": None,
        "children": [],
    }
    nodes: dict[str, dict[str, Any]] = {inputs.instance_id: root}
    for row in rows:
        if not shown(row, inputs.times):
            continue
        nodes[row.id] = _node(row, by_id.get(row.parent_id or ""), inputs)
    for row in rows:
        node = nodes.get(row.id)
        if node is None or row.id == inputs.instance_id:
            continue
        parent = by_id.get(row.parent_id or "")
        inner = parent is not None and is_inner_instance(row, parent)
        scope_id = parent.id if parent is not None and inner else row.workflow_id or inputs.instance_id
        nodes.get(scope_id, root)["children"].append(node)
    return root


def _node(row: TaskRow, parent: TaskRow | None, inputs: TreeInputs) -> dict[str, Any]:
    element = row.element_id or ""
    info = inputs.models.info(row.workflow_id)
    model = info.model
    name = info.names.get(element, element)
    node: dict[str, Any] = {
        "id": row.id,
        "element_id": element,
        "name": name,
        "label": name,
        "kind": "multi-instance body" if row.kind == "multi" else row.kind,
        "bpmn_type": model.types.get(element),
        "definition_id": info.definition_id,
        "state": state_of(row, inputs.times),
        "started_at": inputs.times.started.get(row.id),
        "ended_at": inputs.times.ended.get(row.id),
        "incidents": inputs.incidents.get(row.id, 0),
        "children": [],
    }
    called = inputs.models.called_by(row.id)
    if called is not None:
        node["called"] = called.called()
    if is_inner_instance(row, parent):
        node["kind"] = "inner instance"
        node.update(inner_label(row, name, model, inputs.locals_))
    return node


def inner_label(row: TaskRow, name: str, model: ModelMap, locals_: Mapping[str, Any]) -> dict[str, Any]:
    """An inner instance's ``label`` ("Create database (istanbul)"), ``loop_counter`` and ``input``."""
    item_name = model.loop_inputs.get(row.element_id or "")
    counter = locals_.get(f"{row.id}/{LOOP_COUNTER}")
    found: dict[str, Any] = {"label": name, "loop_counter": counter}
    if item_name and f"{row.id}/{item_name}" in locals_:
        item = locals_[f"{row.id}/{item_name}"]
        found["input"] = {"name": item_name, "value": item}
        found["label"] = f"{name} ({label_item(item)})"
    elif counter is not None:
        found["label"] = f"{name} #{counter}"
    return found


def row_labels(
    rows: Iterable[TaskRow],
    parents: Mapping[str, TaskRow],
    models: InstanceModels,
    locals_: Mapping[str, Any],
) -> dict[str, str]:
    """task id -> label for some rows only (a history page's), given their parent rows."""
    found: dict[str, str] = {}
    for row in rows:
        if row.element_id is None:
            continue
        name = models.name_of(row)
        parent = parents.get(row.parent_id or "")
        inner = is_inner_instance(row, parent)
        found[row.id] = inner_label(row, name, models.model_of(row), locals_)["label"] if inner else name
    return found


def walk(node: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """Every node below ``node`` (not ``node`` itself), depth first."""
    for child in node["children"]:
        yield child
        yield from walk(child)


def labels(tree: dict[str, Any]) -> dict[str, str]:
    """task id -> its label, for history rows."""
    return {n["id"]: n["label"] for n in walk(tree)}


def element_counts(tree: dict[str, Any], open_incidents: Iterable[str | None]) -> dict[str, dict[str, int]]:
    """element id -> active / completed / cancelled / incidents of the instance's own diagram.

    A multi-instance body is not counted, nor a called child's activity (its element is the child's,
    not the diagram's). ``open_incidents`` are the diagram elements they show on (a child's incident
    on its call activity: ``CallScopes.diagram_elements``).
    """
    counts: dict[str, dict[str, int]] = {}
    own = tree.get("definition_id")

    def bucket(element_id: str) -> dict[str, int]:
        return counts.setdefault(element_id, {"active": 0, "completed": 0, "incidents": 0, "cancelled": 0})

    for node in walk(tree):
        if node["kind"] == "multi-instance body" or node.get("definition_id", own) != own:
            continue  # a body is never counted, as in the definition counts (engine.store.queries.UNCOUNTED_KINDS)
        state = node["state"]
        if state in ("waiting", "ready", "active"):
            bucket(node["element_id"])["active"] += 1
        elif state in ("completed", "cancelled"):
            bucket(node["element_id"])[state] += 1
    for element_id in open_incidents:
        if element_id:
            bucket(element_id)["incidents"] += 1
    return counts


def taken_flows(rows: Iterable[TaskRow], models: InstanceModels) -> list[str]:
    """Sequence flows of the instance's own diagram a token went along: from a finished element to one it reached.

    A task's parent row is the task its token came from; internal specs (SpiffWorkflow's start,
    boundary-event splits) are looked through to the element behind them, within one workflow.
    A called child's flows are the child's, not the diagram's: they are left out.
    """
    rows = list(rows)
    by_id = {r.id: r for r in rows}
    model = models.own.model
    taken: set[str] = set()
    for row in rows:
        if row.element_id is None or row.state in PREDICTED or not models.scopes.is_own(row.workflow_id):
            continue
        source = by_id.get(row.parent_id or "")
        while source is not None and source.element_id is None and source.workflow_id == row.workflow_id:
            source = by_id.get(source.parent_id or "")
        if source is None or source.element_id is None or source.workflow_id != row.workflow_id:
            continue
        if source.state != COMPLETED or is_inner_instance(row, source):
            continue
        taken.update(model.flow_ids(source.element_id, row.element_id))
    return sorted(taken)

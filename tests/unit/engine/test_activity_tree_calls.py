"""The activity tree of an instance whose call activities run children inside it (pure: hand-made rows).

The parent ships an order either through the shipping process (``CallShipping``) or directly
(``ShipParcel``); the shipping child reuses the ids ``StartEvent_1``, ``Choose`` and ``ShipParcel``
for elements of its own. The rows are shaped as the engine stores them: a called child's tasks are
rows of the parent's instance whose workflow id is the call activity's task id, and the frame says
which definition that workflow runs.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from engine.activity_tree import (
    ActivityTimes,
    TreeInputs,
    build_tree,
    element_counts,
    row_labels,
    taken_flows,
    walk,
)
from engine.instance_models import CallScopes, InstanceModels, ModelInfo, unknown_model
from engine.model_map import ModelMap
from engine.store.records import TaskRow

PARENT = "order:1:aaaaaaaaaaaa"
CHILD_V1 = "shipping:1:bbbbbbbbbbbb"
CHILD_V2 = "shipping:2:cccccccccccc"
DONE, ACTIVE, FUTURE = 64, 32, 4


def parent_model() -> ModelInfo:
    flows = {
        ("StartEvent_1", "Choose"): ["Flow_start"],
        ("Choose", "CallShipping"): ["Flow_call"],
        ("Choose", "ShipParcel"): ["Flow_direct"],
        ("CallShipping", "CallAgain"): ["Flow_again"],
        ("ShipParcel", "End"): ["Flow_direct_end"],
        ("CallAgain", "End"): ["Flow_end"],
    }
    types = {
        "StartEvent_1": "startEvent",
        "Choose": "exclusiveGateway",
        "CallShipping": "callActivity",
        "CallAgain": "callActivity",
        "ShipParcel": "serviceTask",
        "End": "endEvent",
    }
    names = {"StartEvent_1": "Order placed", "Choose": "How to ship?", "CallShipping": "Ship order"}
    names |= {"CallAgain": "Ship the rest", "ShipParcel": "Ship it ourselves"}
    return ModelInfo(PARENT, "order", 1, "Order", ModelMap(flows=flows, types=types), names)


def child_model(definition_id: str, version: int, pick_name: str) -> ModelInfo:
    flows = {("StartEvent_1", "Choose"): ["Flow_c1"], ("Choose", "ShipParcel"): ["Flow_c2"]}
    types = {"StartEvent_1": "startEvent", "Choose": "scriptTask", "ShipParcel": "serviceTask"}
    names = {"StartEvent_1": "Shipping requested", "Choose": pick_name, "ShipParcel": "Ship parcel"}
    return ModelInfo(definition_id, "shipping", version, "Ship an order", ModelMap(flows=flows, types=types), names)


MODELS = {
    PARENT: parent_model(),
    CHILD_V1: child_model(CHILD_V1, 1, "Pick carrier"),
    CHILD_V2: child_model(CHILD_V2, 2, "Choose carrier"),
}


class Rows:
    """Task rows in creation order, as SpiffWorkflow's tree makes them."""

    def __init__(self) -> None:
        self.rows: list[TaskRow] = []
        self._seq = itertools.count()

    def add(
        self, task_id: str, element: str | None, state: int, parent: str | None, *, workflow: str = "", kind: str = ""
    ) -> str:
        kind = kind or ("internal" if element is None else "activity")
        self.rows.append(
            TaskRow(
                id=task_id,
                workflow_id=workflow,
                parent_id=parent,
                spec_name=element or "Start",
                element_id=element,
                state=state,
                last_state_change=0.0,
                triggered=False,
                seq=next(self._seq),
                internal="{}",
                data="{}",
                depth=0,
                kind=kind,
            )
        )
        return task_id


def frame(subprocesses: dict[str, str]) -> str:
    return json.dumps({"data": {}, "subprocesses": {k: {"spec": v, "data": {}} for k, v in subprocesses.items()}})


def shipping_through_the_child() -> Rows:
    """The parent went Choose -> CallShipping; the child (its workflow is the call's task) waits in ShipParcel."""
    r = Rows()
    r.add("p-root", None, DONE, None)
    r.add("p-start", "StartEvent_1", DONE, "p-root", kind="event")
    r.add("p-choose", "Choose", DONE, "p-start", kind="gateway")
    r.add("p-call", "CallShipping", ACTIVE, "p-choose", kind="subprocess")
    r.add("p-again", "CallAgain", FUTURE, "p-call", kind="subprocess")
    r.add("c-root", None, DONE, None, workflow="p-call")
    r.add("c-start", "StartEvent_1", DONE, "c-root", workflow="p-call", kind="event")
    r.add("c-choose", "Choose", DONE, "c-start", workflow="p-call")
    r.add("c-ship", "ShipParcel", ACTIVE, "c-choose", workflow="p-call", kind="job")
    return r


def tree_of(rows: Rows, frame_text: str, incidents: dict[str, int] | None = None) -> tuple[dict[str, Any], Any]:
    models = InstanceModels.of(CallScopes.of(PARENT, frame_text), MODELS.__getitem__)
    inputs = TreeInputs("inst", "Order", rows.rows, ActivityTimes(), models, {}, incidents or {})
    return build_tree(inputs), models


def by_id(tree: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["id"]: n for n in walk(tree)}


def test_a_called_childs_activities_nest_under_the_call_named_and_typed_from_the_childs_model() -> None:
    tree, _ = tree_of(shipping_through_the_child(), frame({"p-call": CHILD_V1}))

    call = by_id(tree)["p-call"]
    assert call["called"] == {"definition_id": CHILD_V1, "key": "shipping", "version": 1, "name": "Ship an order"}
    assert call["definition_id"] == PARENT and call["bpmn_type"] == "callActivity"
    inside = [(n["element_id"], n["name"], n["bpmn_type"], n["definition_id"]) for n in call["children"]]
    assert inside == [
        ("StartEvent_1", "Shipping requested", "startEvent", CHILD_V1),
        ("Choose", "Pick carrier", "scriptTask", CHILD_V1),
        ("ShipParcel", "Ship parcel", "serviceTask", CHILD_V1),
    ]
    top = [(n["element_id"], n["name"]) for n in tree["children"]]
    assert top == [("StartEvent_1", "Order placed"), ("Choose", "How to ship?"), ("CallShipping", "Ship order")]
    assert tree["definition_id"] == PARENT


def test_a_child_element_with_a_parent_elements_id_does_not_count_on_the_parents_diagram() -> None:
    tree, _ = tree_of(shipping_through_the_child(), frame({"p-call": CHILD_V1}))

    counts = element_counts(tree, [])

    assert counts["StartEvent_1"]["completed"] == 1  # the child's start event is not a second one
    assert counts["Choose"]["completed"] == 1
    assert "ShipParcel" not in counts  # the parent's own ShipParcel never ran; the child's is active
    assert counts["CallShipping"]["active"] == 1


def test_the_childs_flows_never_light_a_parent_flow_between_elements_of_the_same_ids() -> None:
    rows = shipping_through_the_child()
    _, models = tree_of(rows, frame({"p-call": CHILD_V1}))

    flows = taken_flows(rows.rows, models)

    assert flows == ["Flow_call", "Flow_start"]  # not Flow_direct: the child's Choose -> ShipParcel is the child's


def test_an_incident_in_the_child_marks_the_call_activity_on_the_parents_diagram() -> None:
    rows = shipping_through_the_child()
    tree, models = tree_of(rows, frame({"p-call": CHILD_V1}), incidents={"c-ship": 1})

    on_diagram = models.scopes.diagram_elements(rows.rows)
    counts = element_counts(tree, [on_diagram.get("c-ship", "ShipParcel")])

    assert on_diagram["c-ship"] == "CallShipping" and on_diagram["p-choose"] == "Choose"
    assert counts["CallShipping"]["incidents"] == 1 and "ShipParcel" not in counts
    assert by_id(tree)["c-ship"]["incidents"] == 1  # the tree keeps it on the child's own task


def test_a_second_call_after_version_two_was_deployed_is_named_from_version_two() -> None:
    r = Rows()
    r.add("p-root", None, DONE, None)
    r.add("p-start", "StartEvent_1", DONE, "p-root", kind="event")
    r.add("p-choose", "Choose", DONE, "p-start", kind="gateway")
    r.add("p-call", "CallShipping", DONE, "p-choose", kind="subprocess")
    r.add("p-again", "CallAgain", ACTIVE, "p-call", kind="subprocess")
    for call in ("p-call", "p-again"):
        state = DONE if call == "p-call" else ACTIVE
        r.add(f"{call}-root", None, DONE, None, workflow=call)
        r.add(f"{call}-start", "StartEvent_1", DONE, f"{call}-root", workflow=call, kind="event")
        r.add(f"{call}-choose", "Choose", state, f"{call}-start", workflow=call)
    tree, models = tree_of(r, frame({"p-call": CHILD_V1, "p-again": CHILD_V2}))

    nodes = by_id(tree)
    assert nodes["p-call"]["called"]["version"] == 1 and nodes["p-again"]["called"]["version"] == 2
    assert nodes["p-call-choose"]["name"] == "Pick carrier" and nodes["p-call-choose"]["definition_id"] == CHILD_V1
    assert nodes["p-again-choose"]["name"] == "Choose carrier" and nodes["p-again-choose"]["definition_id"] == CHILD_V2
    counts = element_counts(tree, [])
    assert counts["StartEvent_1"] == {"active": 0, "completed": 1, "incidents": 0, "cancelled": 0}
    assert counts["Choose"]["completed"] == 1
    assert models.scopes.definitions() == [PARENT, CHILD_V1, CHILD_V2]
    labels = row_labels(r.rows, {}, models, {})
    assert (labels["p-call-choose"], labels["p-again-choose"], labels["p-choose"]) == (
        "Pick carrier",
        "Choose carrier",
        "How to ship?",
    )


def test_a_call_that_has_not_resolved_its_child_has_no_called_field() -> None:
    r = Rows()
    r.add("p-root", None, DONE, None)
    r.add("p-call", "CallShipping", 128, "p-root", kind="subprocess")  # ERROR: the child is not deployed

    tree, _ = tree_of(r, frame({}))

    assert "called" not in by_id(tree)["p-call"]


def test_the_parents_own_embedded_subprocess_counts_on_its_diagram_and_the_childs_does_not() -> None:
    r = Rows()
    r.add("p-root", None, DONE, None)
    r.add("p-sub", "Packing", ACTIVE, "p-root", kind="subprocess")
    r.add("p-sub-task", "ShipParcel", ACTIVE, None, workflow="p-sub", kind="job")
    r.add("p-call", "CallShipping", ACTIVE, "p-root", kind="subprocess")
    r.add("c-delivery", "Delivery", ACTIVE, None, workflow="p-call", kind="subprocess")
    r.add("c-ship", "ShipParcel", ACTIVE, None, workflow="c-delivery", kind="job")
    scopes = frame({"p-sub": "Packing", "p-call": CHILD_V1, "c-delivery": f"{CHILD_V1}/Delivery"})

    tree, models = tree_of(r, scopes)

    assert element_counts(tree, [])["ShipParcel"]["active"] == 1  # the parent's own, inside its subprocess
    assert by_id(tree)["c-ship"]["definition_id"] == CHILD_V1 and by_id(tree)["c-ship"]["name"] == "Ship parcel"
    assert "called" not in by_id(tree)["c-delivery"]  # the child's embedded subprocess calls nothing
    assert models.scopes.diagram_elements(r.rows)["c-ship"] == "CallShipping"


def test_a_call_inside_a_called_child_shows_on_the_outermost_call_activity() -> None:
    r = Rows()
    r.add("p-call", "CallShipping", ACTIVE, None, kind="subprocess")
    r.add("c-call", "CallCustoms", ACTIVE, None, workflow="p-call", kind="subprocess")
    r.add("g-task", "FileForms", ACTIVE, None, workflow="c-call", kind="job")
    scopes = CallScopes.of(PARENT, frame({"p-call": CHILD_V1, "c-call": "customs:3:dddddddddddd"}))

    assert scopes.diagram_elements(r.rows)["g-task"] == "CallShipping"
    assert scopes.definition_of("c-call") == "customs:3:dddddddddddd"
    assert scopes.calls == {"p-call": CHILD_V1, "c-call": "customs:3:dddddddddddd"}


def test_a_called_definition_whose_record_is_gone_shows_its_key_and_version_from_its_id() -> None:
    info = unknown_model("customs:3:dddddddddddd")

    assert (info.key, info.version, info.name, dict(info.names)) == ("customs", 3, None, {})


def test_a_frame_that_is_not_json_leaves_every_task_on_the_instances_own_model() -> None:
    scopes = CallScopes.of(PARENT, "not json")

    assert scopes.definition_of("anything") == PARENT and scopes.calls == {}

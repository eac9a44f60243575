"""A called child as each view shows it: /api/v1 tree, the instance page, C7 activity-instances, C8 element search.

The shipping child (``tests/data/calls/<dialect>-shipping.bpmn``) has a ``StartEvent_1`` as its
caller does, names its script task "Pick carrier" and waits for a ``ship`` job inside its embedded
subprocess ``Delivery``. Its second release renames the script task "Choose carrier".
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine.engine import Engine
from tests.conftest import DATA, run_jobs
from tests.integration.conftest import session_login

Call = Callable[..., TestResponse]
CALLS = DATA / "calls"


def model(name: str, *, release: int = 1) -> tuple[str, bytes]:
    data = (CALLS / f"{name}.bpmn").read_bytes()
    if release == 2:
        assert b'name="Pick carrier"' in data
        data = data.replace(b'name="Pick carrier"', b'name="Choose carrier"')
    return f"{name}.bpmn", data


def walk(node: dict[str, Any], children: str = "children") -> list[dict[str, Any]]:
    found = []
    for child in node[children]:
        found.append(child)
        found.extend(walk(child, children))
    return found


def definition_id(engine: Engine, key: str, version: int) -> str:
    return engine.definitions.resolve(key, version).id


@pytest.fixture
def waiting_in_child(engine: Engine) -> str:
    """A c7-order instance whose child c7-shipping v1 waits for its ``ship`` job."""
    engine.deploy([model("c7-order"), model("c7-shipping")])
    return engine.start("c7-order", {"orderId": 7}).id


def test_the_tree_names_the_childs_elements_from_the_child_and_the_diagram_counts_the_parents_only(
    as_role: Call, engine: Engine, waiting_in_child: str
) -> None:
    answer = as_role("viewer", "get", f"/api/v1/instances/{waiting_in_child}/tree").get_json()

    child_id = definition_id(engine, "c7-shipping", 1)
    [call] = [n for n in answer["tree"]["children"] if n["element_id"] == "CallShipping"]
    assert call["called"] == {"definition_id": child_id, "key": "c7-shipping", "version": 1, "name": "Ship an order"}
    inside = [(n["element_id"], n["label"], n["definition_id"]) for n in walk(call)]
    assert inside == [
        ("StartEvent_1", "Shipping requested", child_id),
        ("PickCarrier", "Pick carrier", child_id),
        ("Delivery", "Delivery", child_id),
        ("Event_z43dvyr", "Event_z43dvyr", child_id),
        ("ShipParcel", "Ship parcel", child_id),
    ]
    counts = answer["element_counts"]
    assert set(counts) == {"StartEvent_1", "CallShipping"}  # nothing of the child lights the parent's diagram
    assert counts["StartEvent_1"]["completed"] == 1  # the parent's own start event, not the child's as well
    assert answer["taken_flows"] == ["Flow_0vbgi09"]


def test_an_incident_inside_the_child_marks_the_call_activity_on_the_parents_diagram(
    as_role: Call, engine: Engine, waiting_in_child: str
) -> None:
    def refuse(job: Any) -> Any:
        raise ValueError("carrier is down")

    run_jobs(engine, {"ship": refuse})
    [incident] = [i for i in engine.incidents(waiting_in_child) if i.state == "open"]
    assert incident.element_id == "ShipParcel"

    answer = as_role("viewer", "get", f"/api/v1/instances/{waiting_in_child}/tree").get_json()
    view = as_role("viewer", "get", f"/api/v1/instances/{waiting_in_child}").get_json()

    for counts in (answer["element_counts"], view["element_counts"]):
        assert counts["CallShipping"]["incidents"] == 1 and "ShipParcel" not in counts
    [ship] = [n for n in walk(answer["tree"]) if n["element_id"] == "ShipParcel"]
    assert ship["incidents"] == 1 and ship["definition_id"] == definition_id(engine, "c7-shipping", 1)


def test_a_second_call_after_the_childs_version_two_was_deployed_is_named_from_version_two(
    as_role: Call, engine: Engine
) -> None:
    engine.deploy([model("c7-order-twice"), model("c7-shipping")])
    instance_id = engine.start("c7-order-twice", {}).id
    engine.deploy([model("c7-shipping", release=2)])  # while the first call's child (v1) runs
    [first_parcel] = engine.claim_jobs("test", ["ship"])
    engine.complete_job(first_parcel.id, {"shipped": True}, worker_id="test")  # the second call runs now
    tree = as_role("viewer", "get", f"/api/v1/instances/{instance_id}/tree").get_json()["tree"]

    calls = {n["element_id"]: n for n in tree["children"] if n["element_id"].startswith("CallShipping")}
    assert calls["CallShipping"]["state"] == "completed" and calls["CallShipping"]["called"]["version"] == 1
    assert calls["CallShippingAgain"]["state"] == "active" and calls["CallShippingAgain"]["called"]["version"] == 2
    first = {n["element_id"]: n for n in walk(calls["CallShipping"])}
    second = {n["element_id"]: n for n in walk(calls["CallShippingAgain"])}
    assert first["PickCarrier"]["label"] == "Pick carrier"
    assert first["PickCarrier"]["definition_id"] == definition_id(engine, "c7-shipping", 1)
    assert second["PickCarrier"]["label"] == "Choose carrier"
    assert second["PickCarrier"]["definition_id"] == definition_id(engine, "c7-shipping", 2)
    history = as_role("viewer", "get", f"/api/v1/instances/{instance_id}/history?limit=1000").get_json()["items"]
    assert {"Pick carrier", "Choose carrier"} <= {item["label"] for item in history}


def test_the_instance_page_links_the_child_process_and_version_the_call_activity_runs(
    client: FlaskClient, engine: Engine, waiting_in_child: str
) -> None:
    session_login(client, "viewer")

    page = client.get(f"/instances/{waiting_in_child}").get_data(as_text=True)

    assert re.search(r'calls <a href="/definitions/c7-shipping\?version=1"[^>]*>Ship an order v1</a>', page)
    assert "Ship parcel" in page and "Pick carrier" in page
    child_id = definition_id(engine, "c7-shipping", 1)
    assert f'data-definition="{child_id}"' in page
    [data] = re.findall(r'<script type="application/json" id="instance-data">(.*?)</script>', page, re.S)
    shown = json.loads(data)
    assert set(shown["element_counts"]) == {"StartEvent_1", "CallShipping"}
    assert shown["calls"] == {
        "CallShipping": [{"label": "Ship an order v1", "url": "/definitions/c7-shipping?version=1"}]
    }


def test_c7_activity_instances_nest_the_childs_activities_under_the_call_with_the_childs_definition(
    as_role: Call, engine: Engine, waiting_in_child: str
) -> None:
    tree = as_role("viewer", "get", f"/engine-rest/process-instance/{waiting_in_child}/activity-instances").get_json()

    parent_id = definition_id(engine, "c7-order", 1)
    child_id = definition_id(engine, "c7-shipping", 1)
    assert tree["processDefinitionId"] == parent_id
    [call] = tree["childActivityInstances"]
    assert (call["activityId"], call["activityType"], call["activityName"]) == (
        "CallShipping",
        "callActivity",
        "Ship order",
    )
    assert call["processDefinitionId"] == parent_id
    [delivery] = call["childActivityInstances"]
    assert (delivery["activityId"], delivery["activityType"], delivery["processDefinitionId"]) == (
        "Delivery",
        "subProcess",
        child_id,
    )
    assert delivery["parentActivityInstanceId"] == call["id"]
    [ship] = delivery["childActivityInstances"]
    assert (ship["activityId"], ship["activityName"], ship["processDefinitionId"]) == (
        "ShipParcel",
        "Ship parcel",
        child_id,
    )
    assert ship["processInstanceId"] == waiting_in_child


def c8_deploy(as_role: Call, *files: tuple[str, bytes]) -> dict[str, str]:
    data = {"resources": [(io.BytesIO(xml), name) for name, xml in files], "tenantId": "<default>"}
    answer = as_role("admin", "post", "/v2/deployments", data=data, content_type="multipart/form-data").get_json()
    return {
        d["processDefinition"]["processDefinitionId"]: d["processDefinition"]["processDefinitionKey"]
        for d in answer["deployments"]
    }


def search(as_role: Call, **filters: Any) -> list[dict[str, Any]]:
    response = as_role("viewer", "post", "/v2/element-instances/search", json={"filter": filters})
    assert response.status_code == 200, response.get_json()
    return list(response.get_json()["items"])


def test_c8_element_instances_of_the_child_carry_its_definition_and_its_key_finds_them(as_role: Call) -> None:
    keys = c8_deploy(as_role, model("c8-order"), model("c8-shipping"))
    created = as_role("operator", "post", "/v2/process-instances", json={"processDefinitionId": "c8-order"}).get_json()
    instance_key = created["processInstanceKey"]

    items = search(as_role, processInstanceKey=instance_key)

    by_element: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_element.setdefault(item["elementId"], []).append(item)
    [ship] = by_element["ShipParcel"]
    assert (ship["processDefinitionId"], ship["processDefinitionKey"]) == ("c8-shipping", keys["c8-shipping"])
    assert (ship["elementName"], ship["type"], ship["state"]) == ("Ship parcel", "SERVICE_TASK", "ACTIVE")
    assert ship["processInstanceKey"] == instance_key
    [call] = by_element["CallShipping"]
    assert (call["type"], call["processDefinitionKey"]) == ("CALL_ACTIVITY", keys["c8-order"])
    starts = {(s["processDefinitionId"], s["elementName"]) for s in by_element["StartEvent_1"]}
    assert starts == {("c8-order", "Order placed"), ("c8-shipping", "Shipping requested")}

    child_only = search(as_role, processInstanceKey=instance_key, processDefinitionKey=keys["c8-shipping"])
    assert child_only and {i["processDefinitionId"] for i in child_only} == {"c8-shipping"}
    assert {i["elementId"] for i in child_only} >= {"StartEvent_1", "PickCarrier", "Delivery", "ShipParcel"}
    parent_only = search(as_role, processInstanceKey=instance_key, processDefinitionId="c8-order")
    assert {i["elementId"] for i in parent_only} == {"StartEvent_1", "CallShipping"}
    assert len(child_only) + len(parent_only) == len(items)
    assert search(as_role, processInstanceKey=instance_key, processDefinitionKey="1") == []


def test_a_user_task_of_the_child_has_the_childs_name_and_form_not_its_callers_task_of_the_same_id(
    as_role: Call, engine: Engine
) -> None:
    engine.deploy([model("c7-order-review"), model("c7-review")])
    instance_id = engine.start("c7-order-review", {}).id
    [listed] = as_role("viewer", "get", f"/api/v1/user-tasks?instance_id={instance_id}").get_json()["items"]
    task_id = listed["task_id"]

    task = as_role("viewer", "get", f"/api/v1/user-tasks/{task_id}").get_json()
    refused = as_role("operator", "post", f"/api/v1/user-tasks/{task_id}/complete", json={"variables": {"amount": "0"}})
    done = as_role("operator", "post", f"/api/v1/user-tasks/{task_id}/complete", json={"variables": {"amount": "12"}})

    assert listed["name"] == task["name"] == "Set the price"  # the caller's Review is "Confirm the order"
    assert [f["id"] for f in task["fields"]] == ["amount"]
    assert refused.status_code == 400 and refused.get_json()["error"]["fields"] == {"amount": "must be at least 1"}
    assert done.get_json()["variables"] == {"amount": 12}  # typed by the child's form
    [caller_task] = as_role("viewer", "get", f"/api/v1/user-tasks?instance_id={instance_id}").get_json()["items"]
    assert caller_task["name"] == "Confirm the order" and caller_task["task_id"] != task_id
    caller_form = as_role("viewer", "get", f"/api/v1/user-tasks/{caller_task['task_id']}").get_json()["fields"]
    assert [f["id"] for f in caller_form] == ["note"]


def test_c8_user_tasks_of_the_child_carry_its_process_definition(as_role: Call, engine: Engine) -> None:
    keys = c8_deploy(as_role, model("c7-order-review"), model("c7-review"))
    instance_id = engine.start("c7-order-review", {}).id

    found = as_role("viewer", "post", "/v2/user-tasks/search", json={"filter": {"processDefinitionId": "c7-review"}})
    none = as_role(
        "viewer", "post", "/v2/user-tasks/search", json={"filter": {"processDefinitionId": "c7-order-review"}}
    )

    [task] = found.get_json()["items"]
    assert (task["name"], task["elementId"]) == ("Set the price", "Review")
    assert (task["processDefinitionId"], task["processDefinitionKey"]) == ("c7-review", keys["c7-review"])
    assert task["processName"] == "Price review" and task["processDefinitionVersion"] == 1
    assert none.get_json()["items"] == []
    assert engine.instance(instance_id).state == "running"


def test_the_history_filtered_by_an_element_of_the_callers_diagram_leaves_out_the_childs_element_of_that_id(
    as_role: Call, waiting_in_child: str
) -> None:
    def page(activity: str) -> list[dict[str, Any]]:
        url = f"/api/v1/instances/{waiting_in_child}/history?activity={activity}"
        return list(as_role("viewer", "get", url).get_json()["items"])

    caller_start = page("StartEvent_1")
    child_only = page("PickCarrier")  # no element of the caller's has this id: the child's is meant

    assert caller_start and {item["label"] for item in caller_start} == {"Order placed"}
    assert child_only and {item["label"] for item in child_only} == {"Pick carrier"}


def test_a_past_step_shows_the_child_it_had_called_with_the_childs_labels(
    as_role: Call, engine: Engine, waiting_in_child: str
) -> None:
    engine.deploy([model("c7-shipping", release=2)])  # newer than what the step called

    step = as_role("viewer", "get", f"/api/v1/instances/{waiting_in_child}/steps/1").get_json()

    [call] = [n for n in step["tree"]["children"] if n["element_id"] == "CallShipping"]
    assert call["called"]["version"] == 1
    assert [n["label"] for n in walk(call) if n["element_id"] == "PickCarrier"] == ["Pick carrier"]
    assert set(step["element_counts"]) == {"StartEvent_1", "CallShipping"}
    starts = {e["label"] for e in step["step_events"] if e["element_id"] == "StartEvent_1"}
    assert starts == {"Order placed", "Shipping requested"}


def test_the_callers_definition_counts_only_its_own_elements_and_a_childs_incident_on_the_call(
    as_role: Call, engine: Engine, waiting_in_child: str
) -> None:
    engine.deploy([model("c7-order-twice")])  # a second caller, so the counts span instances
    other = engine.start("c7-order-twice", {}).id

    def refuse(job: Any) -> Any:
        raise ValueError("carrier is down")

    run_jobs(engine, {"ship": refuse})
    assert len([i for i in engine.incidents(waiting_in_child) if i.state == "open"]) == 1

    counts = as_role("viewer", "get", "/api/v1/definitions/c7-order/element-counts").get_json()["elements"]
    twice = as_role("viewer", "get", "/api/v1/definitions/c7-order-twice/element-counts").get_json()["elements"]

    assert set(counts) == {"StartEvent_1", "CallShipping"}
    assert counts["StartEvent_1"] == {"active": 0, "completed": 1, "incidents": 0}  # not the child's as well
    assert counts["CallShipping"] == {"active": 1, "completed": 0, "incidents": 1}
    assert set(twice) == {"StartEvent_1", "CallShipping"} and twice["CallShipping"]["incidents"] == 1
    assert engine.instance(other).state == "running"


def test_the_heatmap_counts_a_childs_completions_on_the_child_not_on_its_caller(
    as_role: Call, engine: Engine, waiting_in_child: str
) -> None:
    run_jobs(engine, {"ship": lambda job: {"shipped": True}})
    assert engine.instance(waiting_in_child).state == "completed"

    caller = as_role("viewer", "get", "/api/v1/definitions/c7-order/heatmap").get_json()["elements"]
    child = as_role("viewer", "get", "/api/v1/definitions/c7-shipping/heatmap").get_json()["elements"]

    assert set(caller) == {"StartEvent_1", "CallShipping", "Event_tzpppp6"}
    assert caller["StartEvent_1"]["count"] == 1
    assert {"StartEvent_1", "PickCarrier", "Delivery", "ShipParcel"} <= set(child)
    assert child["StartEvent_1"]["count"] == 1 and child["ShipParcel"]["count"] == 1

"""The instance as an operator watches it: tree, counts, scopes, readable history, over /api/v1 and the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine.engine import Engine
from engine.handlers import JobContext
from engine.instance_monitor import InstanceMonitor
from engine.queries import Queries
from tests.conftest import DATA, deploy, run_jobs
from tests.integration.conftest import session_login
from webui.api.instances import activity_rows

Call = Callable[..., TestResponse]
REGIONS = ["istanbul", "ankara", "izmir"]


@pytest.fixture
def c8(engine: Engine) -> Engine:
    deploy(engine, "database-creation-c8.bpmn")
    return engine


def start_regions(engine: Engine, regions: list[str] = REGIONS) -> str:
    return engine.start("database-creation-c8", {"regions": regions, "dbName": "orders"}).id


def create(job: JobContext) -> dict[str, Any]:
    return {"regionDatabase": {"region": job.variables["region"], "name": f"orders-{job.variables['region']}"}}


def inner_instances(tree: dict[str, Any]) -> list[dict[str, Any]]:
    (body,) = [n for n in tree["children"] if n["kind"] == "multi-instance body"]
    return list(body["children"])


def test_tree_nests_three_inner_instances_labelled_by_region_under_the_body(as_role: Call, c8: Engine) -> None:
    instance_id = start_regions(c8)

    answer = as_role("viewer", "get", f"/api/v1/instances/{instance_id}/tree").get_json()

    inner = inner_instances(answer["tree"])
    assert [n["label"] for n in inner] == [
        "Create database (istanbul)",
        "Create database (ankara)",
        "Create database (izmir)",
    ]
    assert [n["loop_counter"] for n in inner] == [1, 2, 3]
    assert inner[0]["input"] == {"name": "region", "value": "istanbul"}
    assert {n["state"] for n in inner} == {"active"}
    assert answer["element_counts"]["Activity_CreateDatabase"]["active"] == 3  # the body is not a fourth
    assert answer["taken_flows"] == ["Flow_1"]


def test_process_scope_never_shows_an_inner_instances_region_or_loop_counter(as_role: Call, c8: Engine) -> None:
    instance_id = start_regions(c8)

    detail = as_role("viewer", "get", f"/api/v1/instances/{instance_id}").get_json()
    scopes = as_role("viewer", "get", f"/api/v1/instances/{instance_id}/scopes").get_json()["items"]

    assert detail["variables"] == {"dbName": "orders", "regions": REGIONS, "regionDatabases": [None, None, None]}
    assert scopes[0]["kind"] == "process" and scopes[0]["variables"] == detail["variables"]
    inner = {s["label"]: s["variables"] for s in scopes if s["kind"] == "inner instance"}
    assert inner["Create database (ankara)"] == {"region": "ankara", "loopCounter": 2}


def test_counts_count_inner_instances_only_on_the_definition_and_the_instance(as_role: Call, c8: Engine) -> None:
    first = start_regions(c8)
    start_regions(c8, ["a", "b", "c", "d", "e"])
    run_jobs(c8, {"create-database": create, "create-replication": lambda job: {"replicated": True}})

    definition = as_role("viewer", "get", "/api/v1/definitions/database-creation-c8/element-counts").get_json()
    detail = as_role("viewer", "get", f"/api/v1/instances/{first}").get_json()

    assert definition["elements"]["Activity_CreateDatabase"]["completed"] == 8
    assert detail["element_counts"]["Activity_CreateDatabase"]["completed"] == 3
    assert c8.view(first).element_counts["Activity_CreateDatabase"]["completed"] == 3  # the CLI's progress bar
    assert set(detail["taken_flows"]) == {"Flow_1", "Flow_2", "Flow_3"}


def test_history_reads_region_status_and_the_values_the_job_wrote(as_role: Call, c8: Engine) -> None:
    instance_id = start_regions(c8)
    run_jobs(c8, {"create-database": create, "create-replication": lambda job: {"replicated": True}})

    items = as_role("viewer", "get", f"/api/v1/instances/{instance_id}/history").get_json()["items"]

    completed = {i["label"]: i for i in items if i["type"] == "ActivityCompleted"}
    istanbul = completed["Create database (istanbul)"]
    assert istanbul["status"] == "completed"
    assert istanbul["payload"] == {"regionDatabase": {"region": "istanbul", "name": "orders-istanbul"}}
    job_done = next(i for i in items if i["type"] == "JobCompleted" and i["label"] == "Create database (izmir)")
    assert job_done["data"]["values"] == {"regionDatabase": {"region": "izmir", "name": "orders-izmir"}}
    assert items[0]["type"] == "InstanceCompleted" and items[-1]["type"] == "InstanceStarted"  # newest first


def test_history_filters_by_activity_and_by_inner_instance_and_pages_backwards(as_role: Call, c8: Engine) -> None:
    instance_id = start_regions(c8)
    run_jobs(c8, {"create-database": create, "create-replication": lambda job: {"replicated": True}})
    tree = as_role("viewer", "get", f"/api/v1/instances/{instance_id}/tree").get_json()["tree"]
    ankara = next(n for n in inner_instances(tree) if n["input"]["value"] == "ankara")
    base = f"/api/v1/instances/{instance_id}/history"

    only_ankara = as_role("viewer", "get", f"{base}?task={ankara['id']}").get_json()
    replication = as_role("viewer", "get", f"{base}?activity=Activity_CreateReplication").get_json()
    first = as_role("viewer", "get", f"{base}?limit=5").get_json()
    second = as_role("viewer", "get", f"{base}?limit=5&before={first['before']}").get_json()

    assert {i["label"] for i in only_ankara["items"]} == {"Create database (ankara)"}
    assert [i["type"] for i in reversed(only_ankara["items"])] == [
        "ActivityActivated",
        "JobCreated",
        "JobCompleted",
        "ActivityCompleted",
    ]
    assert {i["element_id"] for i in replication["items"]} == {"Activity_CreateReplication"}
    assert len(first["items"]) == 5 and first["total"] == second["total"]
    assert second["items"][0]["seq"] == first["items"][-1]["seq"] - 1


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("limit=0", "'limit' must be between 1 and"),
        ("limit=abc", "must be a whole number"),
        ("before=0", "'before' must be between 1"),
        ("task=no-such-task", "has no activity instance no-such-task"),
    ],
)
def test_bad_history_queries_are_400_with_what_to_send(as_role: Call, c8: Engine, query: str, text: str) -> None:
    instance_id = start_regions(c8)
    response = as_role("viewer", "get", f"/api/v1/instances/{instance_id}/history?{query}")
    assert response.status_code == 400
    assert text in response.get_json()["error"]["message"]


def test_jobs_read_locked_by_the_worker_until_its_lock_expires(as_role: Call, c8: Engine) -> None:
    instance_id = start_regions(c8, ["istanbul"])
    (claimed,) = c8.claim_jobs("worker-7", ["create-database"], max_jobs=1, lock_s=60)

    (job,) = as_role("viewer", "get", f"/api/v1/instances/{instance_id}").get_json()["jobs"]

    assert job["status"] == "locked" and job["status_label"] == "locked by worker-7 until"
    assert job["status_until"] == pytest.approx(claimed.lock_expires_at)


def test_a_failed_job_reads_failed_with_its_retry_time(as_role: Call, c8: Engine) -> None:
    instance_id = start_regions(c8, ["istanbul"])
    (claimed,) = c8.claim_jobs("worker-7", ["create-database"], max_jobs=1, lock_s=60)
    c8.fail_job(claimed.id, "disk full", worker_id="worker-7", retry_in_s=3600)

    (job,) = as_role("viewer", "get", f"/api/v1/instances/{instance_id}").get_json()["jobs"]

    assert job["status"] == "failed" and job["status_label"] == "failed, retry at"
    assert job["status_until"] > claimed.lock_expires_at - 60


def test_instance_page_shows_the_tree_the_scopes_and_readable_history(client: FlaskClient, c8: Engine) -> None:
    instance_id = start_regions(c8)
    session_login(client, "viewer")

    page = client.get(f"/instances/{instance_id}").get_data(as_text=True)

    for region in REGIONS:
        assert f"Create database ({region})" in page
    assert 'data-scope="process"' in page and 'data-scope="inner instance"' in page
    assert "job created" in page


def test_camunda7_activity_instances_nest_inner_instances_under_the_body(as_role: Call, c8: Engine) -> None:
    instance_id = start_regions(c8)

    tree = as_role("viewer", "get", f"/engine-rest/process-instance/{instance_id}/activity-instances").get_json()

    (body,) = tree["childActivityInstances"]
    assert body["activityId"] == "Activity_CreateDatabase#multiInstanceBody"
    assert body["activityType"] == "multiInstanceBody" and body["parentActivityInstanceId"] == instance_id
    inner = body["childActivityInstances"]
    assert [i["activityId"] for i in inner] == ["Activity_CreateDatabase"] * 3
    assert {i["parentActivityInstanceId"] for i in inner} == {body["id"]}
    assert {i["activityType"] for i in inner} == {"serviceTask"}


def test_a_long_scope_lists_its_live_inner_instances_first_then_says_how_many_more(as_role: Call, c8: Engine) -> None:
    instance_id = start_regions(c8, ["r1", "r2", "r3", "r4", "r5"])
    for job in c8.claim_jobs("w", ["create-database"], max_jobs=2):
        c8.complete_job(job.id, {"regionDatabase": None}, worker_id="w")
    tree = as_role("viewer", "get", f"/api/v1/instances/{instance_id}/tree").get_json()["tree"]

    rows = activity_rows(tree, per_scope=3)

    inner = [r for r in rows if r["kind"] == "inner instance"]
    assert [r["state"] for r in inner] == ["active"] * 3
    (more,) = [r for r in rows if r["kind"] == "more"]
    assert more["hidden"] == 2 and more["name"] == "Create database"


def test_a_subprocess_holds_its_own_activities_and_the_variables_they_changed(engine: Engine) -> None:
    engine.deploy([("c8-embedded-subprocess.bpmn", (DATA / "constructs" / "c8-embedded-subprocess.bpmn").read_bytes())])
    instance = engine.start("c8-embedded-subprocess", {"order": 7})
    run_jobs(engine, {"pick-items": lambda job: {"picked": 3}}, max_wait_s=1.0)
    monitor = InstanceMonitor(Queries(engine))

    found = monitor.structure(instance.id)

    (subprocess,) = [n for n in found["tree"]["children"] if n["kind"] == "subprocess"]
    assert subprocess["label"] == "Prepare shipment" and subprocess["state"] == "active"
    assert [(n["label"], n["state"]) for n in subprocess["children"] if n["kind"] == "job"] == [
        ("Pick items", "completed"),
        ("Pack parcel", "active"),
    ]
    scopes = {s["kind"]: s for s in found["scopes"]}
    assert scopes["process"]["variables"] == {"order": 7}
    assert scopes["subprocess"]["label"] == "Prepare shipment"
    assert scopes["subprocess"]["variables"] == {"picked": 3}
    assert found["element_counts"]["Activity_1eeluut"]["active"] == 1
    assert "Flow_097z8ch" in found["taken_flows"]  # inside the subprocess
    history = monitor.history(instance.id, task_id=subprocess["id"])["items"]
    # the subprocess, and everything inside it (its unnamed start event by id); nothing outside it
    assert {i["label"] for i in history} == {"Prepare shipment", "Event_12zbpyh", "Pick items", "Pack parcel"}


def test_every_flow_of_a_finished_parallel_fan_out_is_taken_and_only_taken_flows_before(engine: Engine) -> None:
    deploy(engine, "database-creation.bpmn")
    instance = engine.start("database-creation", {"database": "orders"})
    monitor = InstanceMonitor(Queries(engine))
    assert monitor.structure(instance.id)["taken_flows"] == ["Flow_1", "Flow_2", "Flow_3"]  # to both regions

    for job in engine.claim_jobs("w", None, max_jobs=2):
        engine.complete_job(job.id, {"regionDatabase": {"region": job.element_id}}, worker_id="w")
    (replication,) = engine.claim_jobs("w", None, max_jobs=1)
    engine.complete_job(replication.id, {}, worker_id="w")

    assert monitor.structure(instance.id)["taken_flows"] == [f"Flow_{n}" for n in range(1, 8)]

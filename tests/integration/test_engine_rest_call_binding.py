"""A parent deployed over Camunda 7 REST before its child, through a real ``steadyflow serve``.

As Modeler deploys: parent first (its call is an incident naming the missing process), then the
child; a retry continues the call, and a Camunda 7 client completes the child's external task.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import DATA
from tests.integration.engine_rest_helpers import deploy_as_modeler
from tests.integration.test_engine_rest_workers import PASSWORD, Server, start_server, stop_server, wait_until

CALLS = DATA / "calls"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("serve"))
    yield running
    stop_server(running)


def modeler_deploy(server: Server, name: str) -> dict[str, Any]:
    return deploy_as_modeler(server.rest, CALLS / f"{name}.bpmn", ("deployer", PASSWORD))


def test_a_parent_deployed_before_its_child_over_rest_runs_once_the_child_is_deployed(server: Server) -> None:
    modeler_deploy(server, "c7-order")
    started = server.call("post", "/process-definition/key/c7-order/start", json={"businessKey": "ORDER-1"})
    assert started.status_code == 200, started.text
    instance_id = started.json()["id"]

    [incident] = server.call("get", f"/incident?processInstanceId={instance_id}").json()
    assert incident["activityId"] == "CallShipping"
    assert "process 'c7-shipping' (binding latest)" in incident["incidentMessage"]

    deployed = modeler_deploy(server, "c7-shipping")
    [child] = deployed["deployedProcessDefinitions"].values()
    assert child["key"] == "c7-shipping" and child["versionTag"] == "1.0"
    retried = httpx.post(
        f"{server.url}/api/v1/instances/{instance_id}/retry", json={}, auth=("worker", PASSWORD), timeout=60
    )
    assert retried.status_code == 200, retried.text
    assert server.call("get", f"/incident?processInstanceId={instance_id}").json() == []

    def locked() -> list[dict[str, Any]]:
        body = {"workerId": "rest-client", "maxTasks": 1, "topics": [{"topicName": "ship", "lockDuration": 60000}]}
        return list(server.call("post", "/external-task/fetchAndLock", json=body).json())

    [task] = wait_until(locked, "the child's external task 'ship' was never offered")
    assert task["processInstanceId"] == instance_id and task["activityId"] == "ShipParcel"
    done = server.call(
        "post",
        f"/external-task/{task['id']}/complete",
        json={"workerId": "rest-client", "variables": {"shipped": {"value": True, "type": "Boolean"}}},
    )
    assert done.status_code == 204, done.text

    def completed() -> bool:
        return server.call("get", f"/history/process-instance/{instance_id}").json()["state"] == "COMPLETED"

    wait_until(completed, f"instance {instance_id} did not complete after its child ran")
    variables = {
        v["name"]: v["value"]
        for v in server.call("get", f"/history/variable-instance?processInstanceId={instance_id}").json()
    }
    assert variables["shippingVersion"] == "v1" and variables["shipped"] is True

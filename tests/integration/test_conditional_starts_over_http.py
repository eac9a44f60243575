"""Variables set over /api/v1 and the Camunda 7 REST API start conditional event subprocesses."""

from __future__ import annotations

from collections.abc import Callable

from werkzeug.test import TestResponse

from engine.engine import Engine
from tests.conftest import run_jobs
from tests.scenarios.constructs_support import Jobs
from tests.scenarios.test_conditional_start_events import alerts, event_subprocess, monitored, states

Call = Callable[..., TestResponse]


def started(engine: Engine, interrupting: bool) -> str:
    engine.deploy([("m.bpmn", monitored(event_subprocess("${temperature > 30}", interrupting=interrupting)))])
    instance = engine.start("monitored", {"temperature": 20})
    run_jobs(engine, {"measure": Jobs().answer()})
    return instance.id


def test_api_v1_patch_of_variables_starts_an_interrupting_event_subprocess(engine: Engine, as_role: Call) -> None:
    instance_id = started(engine, interrupting=True)
    response = as_role(
        "operator", "patch", f"/api/v1/instances/{instance_id}/variables", json={"variables": {"temperature": 31}}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert states(engine, instance_id)["Operate"] == ["CANCELLED"]
    assert alerts(engine, instance_id) == 1


def test_camunda_7_variable_put_and_modifications_start_non_interrupting_ones(engine: Engine, as_role: Call) -> None:
    instance_id = started(engine, interrupting=False)
    put = as_role(
        "operator",
        "put",
        f"/engine-rest/process-instance/{instance_id}/variables/temperature",
        json={"value": 33, "type": "Integer"},
    )
    assert put.status_code == 204, put.get_data(as_text=True)
    assert alerts(engine, instance_id) == 1
    post = as_role(
        "operator",
        "post",
        f"/engine-rest/process-instance/{instance_id}/variables",
        json={"modifications": {"temperature": {"value": 34, "type": "Integer"}}},
    )
    assert post.status_code == 204, post.get_data(as_text=True)
    assert alerts(engine, instance_id) == 2
    assert states(engine, instance_id)["Operate"] == ["READY"]

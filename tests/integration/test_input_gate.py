"""Malformed requests on /engine-rest and /api/v1 are refused with a 4xx that says what to change.

Each row of BAD_REQUESTS once answered 500 (issue 10, finding 5). The client
fixture already fails any 5xx; these tests also check the status is a 4xx and
the message names the field at fault.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import TestResponse

from engine.engine import Engine
from steadyflow.cli.commands import parse_vars
from steadyflow.errors import InvalidInputError
from tests.integration.conftest import basic, bpmn_file

Call = Callable[..., TestResponse]
DEEP = "[" * 100_000 + "]" * 100_000
DEEP_VALUE = '{"variables": {"x": {"value": ' + "[" * 100_000 + "]" * 100_000 + ', "type": "Json"}}}'
LONE = '"\\ud800"'
TOPIC = {"topicName": "create-database", "lockDuration": 60_000}


def _fetch(worker: str = "w1", **extra: Any) -> dict[str, Any]:
    return {"workerId": worker, "maxTasks": 1, "topics": [TOPIC], **extra}


# (method, path, raw JSON body or None, words the refusal must contain)
BAD_REQUESTS: list[tuple[str, str, str | None, str]] = [
    ("post", "/engine-rest/external-task/fetchAndLock", DEEP, "nest"),
    ("post", "/engine-rest/process-definition/key/database-creation/start", DEEP_VALUE, "nest"),
    ("post", "/engine-rest/message", DEEP, "nest"),
    ("post", "/api/v1/definitions/database-creation/start", DEEP, "nest"),
    ("post", "/api/v1/instances/batch", DEEP, "nest"),
    (
        "post",
        "/engine-rest/external-task/fetchAndLock",
        json.dumps(_fetch()).replace('"maxTasks": 1', '"maxTasks": 1e999'),
        "maxTasks",
    ),
    (
        "post",
        "/engine-rest/external-task/fetchAndLock",
        json.dumps(_fetch()).replace('"maxTasks": 1', '"maxTasks": NaN'),
        "NaN",
    ),
    (
        "post",
        "/engine-rest/external-task/fetchAndLock",
        json.dumps(_fetch()).replace('"maxTasks": 1', '"maxTasks": Infinity'),
        "Infinity",
    ),
    ("post", "/engine-rest/external-task/fetchAndLock", json.dumps(_fetch(maxTasks=10**30)), "maxTasks"),
    ("post", "/engine-rest/external-task/fetchAndLock", json.dumps(_fetch(maxTasks=2**63)), "maxTasks"),
    (
        "post",
        "/engine-rest/external-task/fetchAndLock",
        json.dumps(_fetch(asyncResponseTimeout=1e308)),
        "asyncResponseTimeout",
    ),
    (
        "post",
        "/engine-rest/external-task/fetchAndLock",
        json.dumps({**_fetch(), "topics": [{**TOPIC, "lockDuration": 1e308}]}),
        "lockDuration",
    ),
    (
        "post",
        "/engine-rest/external-task/fetchAndLock",
        json.dumps({**_fetch(), "topics": [{**TOPIC, "lockDuration": 2**63}]}),
        "lockDuration",
    ),
    (
        "post",
        "/engine-rest/external-task/fetchAndLock",
        json.dumps({"workerId": "\ud800", "topics": [TOPIC]}, ensure_ascii=True),
        "workerId",
    ),
    ("post", "/engine-rest/process-instance", json.dumps({"firstResult": 10**30}), "firstResult"),
    ("post", "/engine-rest/process-instance", json.dumps({"maxResults": 2**63}), "maxResults"),
    (
        "post",
        "/engine-rest/process-instance",
        json.dumps({"firstResult": 1e999}).replace("Infinity", "1e999"),
        "firstResult",
    ),
    ("post", "/engine-rest/history/process-instance", json.dumps({"firstResult": 2**63}), "firstResult"),
    ("get", "/engine-rest/process-instance?firstResult=" + "1" + "0" * 30, None, "firstResult"),
    ("get", "/engine-rest/process-instance?maxResults=" + str(2**63), None, "maxResults"),
    ("get", "/engine-rest/external-task?firstResult=" + str(2**63), None, "firstResult"),
    ("get", "/engine-rest/process-definition?firstResult=" + str(10**30), None, "firstResult"),
    ("get", "/engine-rest/incident?maxResults=" + str(10**30), None, "maxResults"),
    ("get", "/engine-rest/deployment?firstResult=" + str(10**30), None, "firstResult"),
    (
        "get",
        "/engine-rest/history/variable-instance?processInstanceId={instance}&firstResult=" + str(10**30),
        None,
        "firstResult",
    ),
    ("get", "/engine-rest/process-definition?version=" + str(10**30), None, "version"),
    (
        "get",
        "/engine-rest/history/process-instance?startedBefore=0001-01-01T00:00:00.000%2B0000",
        None,
        "startedBefore",
    ),
    ("get", "/engine-rest/history/process-instance?finishedAfter=9999-12-31T23:59:59.000-1400", None, "finishedAfter"),
    ("get", "/api/v1/instances?page=" + str(10**30), None, "page"),
    ("get", "/api/v1/instances?per_page=" + str(10**30), None, "per_page"),
    ("get", "/api/v1/instances?page=" + str(2**63), None, "page"),
    ("get", "/api/v1/instances?started_after=0001-01-01", None, "started_after"),
    ("get", "/api/v1/instances?started_after=1e999", None, "started_after"),
    ("get", "/api/v1/instances?started_before=nan", None, "started_before"),
    ("get", "/api/v1/changes?since=1e999", None, "since"),
    ("get", "/api/v1/changes?since=nan", None, "since"),
    ("get", "/api/v1/incidents?limit=" + str(10**30), None, "limit"),
    ("get", "/api/v1/definitions/database-creation/xml?version=" + str(10**30), None, "version"),
    ("post", "/api/v1/instances/{instance}/retry", json.dumps({"retries": 10**30}), "retries"),
    ("post", "/api/v1/instances/{instance}/retry", json.dumps({"retries": 2**63}), "retries"),
    (
        "post",
        "/engine-rest/process-definition/key/database-creation/start",
        json.dumps({"variables": {"d": {"value": 1e400, "type": "Double"}}}).replace("Infinity", "1e400"),
        "d",
    ),
    (
        "post",
        "/engine-rest/process-definition/key/database-creation/start",
        json.dumps({"variables": {"d": {"value": "1e400", "type": "Double"}}}),
        "d",
    ),
    (
        "post",
        "/engine-rest/process-definition/key/database-creation/start",
        json.dumps({"variables": {"d": {"value": "0001-01-01T00:00:00.000+0000", "type": "Date"}}}),
        "d",
    ),
    (
        "post",
        "/engine-rest/process-definition/key/database-creation/start",
        json.dumps({"variables": {"d": {"value": "9999-12-31T23:59:59.000-1400", "type": "Date"}}}),
        "d",
    ),
    (
        "post",
        "/engine-rest/process-definition/key/database-creation/start",
        '{"variables": {"s": {"value": ' + LONE + ', "type": "String"}}}',
        "s",
    ),
    (
        "post",
        "/engine-rest/process-definition/key/database-creation/start",
        '{"variables": {' + LONE + ': {"value": 1}}}',
        "variables",
    ),
    (
        "post",
        "/engine-rest/process-definition/key/database-creation/start",
        json.dumps({"variables": {"n": {"value": 2**64, "type": "Json"}}}),
        "n",
    ),
    (
        "post",
        "/engine-rest/process-definition/key/database-creation/start",
        json.dumps({"variables": {"n": {"value": "[1e999]", "type": "Json"}}}),
        "n",
    ),
    (
        "post",
        "/engine-rest/process-definition/key/database-creation/start",
        json.dumps({"variables": {"n": {"value": "[" * 5000 + "]" * 5000, "type": "Json"}}}),
        "n",
    ),
    ("post", "/engine-rest/message", '{"messageName": ' + LONE + "}", "messageName"),
    (
        "post",
        "/engine-rest/process-instance/{instance}/variables",
        '{"modifications": {"x": {"value": ' + LONE + "}}}",
        "x",
    ),
    ("put", "/engine-rest/process-instance/{instance}/variables/x", json.dumps({"value": 10**30}), "x"),
    ("put", "/engine-rest/external-task/{task}/retries", json.dumps({"retries": 10**30}), "retries"),
    ("put", "/engine-rest/external-task/{task}/retries", json.dumps({"retries": 2**63}), "retries"),
    (
        "put",
        "/engine-rest/external-task/retries",
        json.dumps({"retries": 2**63, "externalTaskIds": ["{task}"]}),
        "retries",
    ),
    (
        "post",
        "/engine-rest/external-task/{task}/extendLock",
        json.dumps({"workerId": "w1", "newDuration": 1e308}),
        "newDuration",
    ),
    (
        "post",
        "/engine-rest/external-task/{task}/extendLock",
        json.dumps({"workerId": "w1", "newDuration": 2**63}),
        "newDuration",
    ),
    (
        "post",
        "/engine-rest/external-task/{task}/failure",
        json.dumps({"workerId": "w1", "retries": 1, "retryTimeout": 1e308}),
        "retryTimeout",
    ),
    ("post", "/engine-rest/external-task/{task}/failure", json.dumps({"workerId": "w1", "retries": 10**30}), "retries"),
    (
        "post",
        "/engine-rest/external-task/{task}/complete",
        '{"workerId": "w1", "variables": {"v": {"value": ' + LONE + "}}}",
        "v",
    ),
    ("post", "/api/v1/definitions/database-creation/start", '{"variables": {"v": ' + LONE + "}}", "v"),
    ("post", "/api/v1/definitions/database-creation/start", '{"variables": {"v": 1e999}}', "v"),
    ("post", "/api/v1/definitions/database-creation/start", '{"variables": {"v": NaN}}', "NaN"),
    ("post", "/api/v1/definitions/database-creation/start", json.dumps({"variables": {"v": 2**70}}), "v"),
]


@pytest.fixture
def ids(deployed: Engine, as_role: Call) -> dict[str, str]:
    deployed.deploy([bpmn_file("error-boundary.bpmn")])
    instance = deployed.start("database-creation", {"region": "eu"})
    fetched = as_role("operator", "post", "/engine-rest/external-task/fetchAndLock", json=_fetch())
    tasks = fetched.get_json()
    assert tasks, fetched.get_data(as_text=True)
    return {"instance": instance.id, "task": tasks[0]["id"]}


@pytest.mark.parametrize(
    ("method", "path", "body", "words"), BAD_REQUESTS, ids=[f"{r[0]} {r[1][:60]} {r[3]}" for r in BAD_REQUESTS]
)
def test_malformed_request_is_refused_with_a_4xx_naming_the_field(
    as_role: Call, ids: dict[str, str], method: str, path: str, body: str | None, words: str
) -> None:
    path = path.format(**ids)
    raw = body.replace("{task}", ids["task"]) if body is not None else None
    kwargs: dict[str, Any] = {} if raw is None else {"data": raw, "content_type": "application/json"}
    response = as_role("operator", method, path, **kwargs)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert words.lower() in response.get_data(as_text=True).lower()


def test_an_in_range_date_and_a_long_are_still_accepted(as_role: Call, ids: dict[str, str]) -> None:
    variables = {
        "d": {"value": "2026-01-23T13:59:43.000+0200", "type": "Date"},
        "n": {"value": 2**62, "type": "Long"},
    }
    response = as_role(
        "operator",
        "post",
        "/engine-rest/process-definition/key/database-creation/start",
        json={"variables": variables, "withVariablesInReturn": True},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["variables"]["n"]["value"] == 2**62


def test_cli_var_with_a_lone_surrogate_or_infinity_is_refused() -> None:
    for raw in ("x=1e999", "x=NaN", 'x="\\ud800"', "x=" + "[" * 100_000, "x=" + str(2**64)):
        with pytest.raises(InvalidInputError):
            parse_vars([raw])


__all__ = ["basic"]

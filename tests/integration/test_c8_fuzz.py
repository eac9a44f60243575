"""A property-based fuzz of /v2 request bodies: never a 5xx, a refusal is a problem and changes nothing.

Each request names real keys (an activated job, a running instance, an open
user task) and mixes well-formed fields with hostile values: wrong types,
unknown keys, huge and non-finite numbers, lone surrogates, deep nesting,
missing fields. After every 4xx the database must hold exactly what it held
before (every row of every table), and the answer must be an RFC 9457 problem.
Bounded: MAX_EXAMPLES requests per endpoint; no example waits (long polls and
awaited completions are only drawn with values that do not wait).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.engine import Engine
from tests.integration.conftest import basic, bpmn_file
from tests.integration.test_engine_rest_fuzz import HOSTILE_NUMBERS, HOSTILE_TEXT, body, field, json_values, snapshot

MAX_EXAMPLES = 40
PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance"}
unknown_keys = st.dictionaries(st.sampled_from(["jobKey", "foo", "", "operationReference"]), json_values, max_size=2)
numbers = st.sampled_from(HOSTILE_NUMBERS) | json_values
variables = st.dictionaries(st.text(max_size=4) | st.sampled_from(HOSTILE_TEXT), json_values, max_size=3) | json_values
no_wait = st.sampled_from([-1, -2, "10", 1.5, True, None, 2**63, 10**30, [], {}])
search = body(
    filter=st.dictionaries(
        st.sampled_from(["state", "processInstanceKey", "processDefinitionId", "assignee", "elementId", "hasIncident"]),
        json_values
        | st.fixed_dictionaries({}, optional={"$eq": json_values, "$in": json_values, "$like": json_values}),
        max_size=3,
    )
    | json_values,
    page=st.fixed_dictionaries({}, optional={"from": numbers, "limit": numbers}) | json_values,
    sort=json_values,
)
# (method, path, body strategy); {job}, {instance} and {task} are replaced by real keys
ENDPOINTS: list[tuple[str, str, st.SearchStrategy[Any]]] = [
    (
        "post",
        "/jobs/activation",
        body(
            type=field("charge"),
            worker=field("fuzz"),
            timeout=field(60_000, numbers),
            maxJobsToActivate=field(1, numbers),
            fetchVariable=field(["mode"]),
            requestTimeout=no_wait,
            tenantIds=field(["<default>"]),
        ),
    ),
    ("post", "/jobs/{job}/completion", body(variables=variables, result=json_values)),
    (
        "post",
        "/jobs/{job}/failure",
        body(retries=field(2, numbers), retryBackOff=field(0, numbers), errorMessage=json_values, variables=variables),
    ),
    (
        "post",
        "/jobs/{job}/error",
        body(errorCode=field("CARD_DECLINED"), errorMessage=json_values, variables=variables),
    ),
    (
        "patch",
        "/jobs/{job}",
        body(changeset=st.fixed_dictionaries({}, optional={"retries": numbers, "timeout": numbers}) | json_values),
    ),
    (
        "post",
        "/process-instances",
        body(
            processDefinitionId=field("error-boundary"),
            processDefinitionKey=json_values,
            processDefinitionVersion=numbers,
            variables=variables,
            tenantId=field("<default>"),
            awaitCompletion=st.sampled_from([False, "yes", 1, None, []]),
            startInstructions=json_values,
        ),
    ),
    ("post", "/process-instances/{instance}/cancellation", json_values),
    ("post", "/process-instances/search", search),
    ("post", "/incidents/search", search),
    ("post", "/user-tasks/search", search),
    ("post", "/variables/search", search),
    ("post", "/element-instances/search", search),
    (
        "post",
        "/messages/publication",
        body(
            name=field("payment-received"),
            correlationKey=json_values,
            timeToLive=numbers,
            messageId=json_values,
            variables=variables,
        ),
    ),
    ("post", "/messages/correlation", body(name=field("nobody"), correlationKey=json_values, variables=variables)),
    ("post", "/signals/broadcast", body(signalName=field("nobody"), variables=variables, tenantId=json_values)),
    (
        "post",
        "/user-tasks/{task}/assignment",
        body(assignee=json_values, allowOverride=json_values, action=json_values),
    ),
    ("post", "/user-tasks/{task}/completion", body(variables=variables, action=json_values)),
]


@pytest.fixture
def targets(deployed: Engine, client: FlaskClient) -> dict[str, str]:
    deployed.deploy([bpmn_file("error-boundary.bpmn"), bpmn_file("message-catch-c8.bpmn")])
    deployed.start("message-catch-c8", {"orderId": "A-1"})
    created = client.post(
        "/v2/process-instances",
        json={"processDefinitionId": "error-boundary", "variables": {"mode": "fuzz"}},
        headers=basic("operator"),
    ).get_json()
    activation = {"type": "charge", "worker": "w1", "timeout": 600_000, "maxJobsToActivate": 1, "requestTimeout": -1}
    (job,) = client.post("/v2/jobs/activation", json=activation, headers=basic("operator")).get_json()["jobs"]
    deployed.start("approval", {})
    (task,) = client.post("/v2/user-tasks/search", json={}, headers=basic("viewer")).get_json()["items"]
    return {"job": job["jobKey"], "instance": created["processInstanceKey"], "task": task["userTaskKey"]}


@pytest.mark.parametrize(("method", "path", "bodies"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ENDPOINTS])
def test_v2_bodies_never_answer_5xx_and_refusals_are_problems_that_change_nothing(
    client: FlaskClient,
    deployed: Engine,
    targets: dict[str, str],
    method: str,
    path: str,
    bodies: st.SearchStrategy[Any],
    record_property: Callable[[str, object], None],
) -> None:
    statuses: Counter[int] = Counter()
    url = "/v2" + path.format(**targets)

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(payload=bodies, extra=unknown_keys)
    def send(payload: Any, extra: dict[str, Any]) -> None:
        if isinstance(payload, dict):
            payload = extra | payload
        raw = json.dumps(payload)  # NaN and Infinity stay as sent
        before = snapshot(deployed)
        response = client.open(
            url, method=method.upper(), data=raw, content_type="application/json", headers=basic("admin")
        )
        statuses[response.status_code] += 1
        assert response.status_code < 500, response.get_data(as_text=True)
        if 400 <= response.status_code < 500:
            assert response.mimetype == "application/problem+json", response.get_data(as_text=True)
            assert set(response.get_json()) == PROBLEM_FIELDS
            assert snapshot(deployed) == before, (raw[:300], response.get_data(as_text=True))

    send()
    record_property("requests", sum(statuses.values()))
    print(f"{method.upper()} {path}: {sum(statuses.values())} requests, statuses {dict(sorted(statuses.items()))}")
    assert sum(statuses.values()) >= MAX_EXAMPLES // 2


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
@pytest.mark.parametrize("path", ["/v2/process-instances", "/v2/jobs/activation", "/v2/messages/publication"])
def test_a_wrong_content_type_is_a_415_problem_and_changes_nothing(
    client: FlaskClient, deployed: Engine, targets: dict[str, str], path: str, content_type: str
) -> None:
    before = snapshot(deployed)
    data = json.dumps({"processDefinitionId": "error-boundary", "name": "m", "type": "charge"})
    response = client.post(path, data=data, content_type=content_type, headers=basic("admin"))
    assert response.status_code == 415 and response.mimetype == "application/problem+json"
    assert snapshot(deployed) == before

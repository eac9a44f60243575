"""A property-based fuzz of /engine-rest request bodies: never a 5xx, and a refusal changes nothing stored.

Each request names real ids (a locked external task, a running instance) and
mixes well-formed fields with hostile values: infinite and huge numbers, lone
surrogates, deep nesting, dates in year 1, wrong types. After every 4xx the
database must hold exactly what it held before (a snapshot of every table).
Bounded: MAX_EXAMPLES requests per endpoint family.
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

MAX_EXAMPLES = 60
HOSTILE_NUMBERS = [1e308, -1e308, 2**63, -(2**63) - 1, 10**30, 2**31, -1, 0, 0.5, float("inf"), float("nan")]
HOSTILE_TEXT = ["\ud800", "a\udfffb", "", " ", "0001-01-01T00:00:00.000+0000", "9999-12-31T23:59:59.999-1400", "1e999"]
TYPES = ["String", "Integer", "Long", "Double", "Boolean", "Date", "Json", "Object", "Null", "Short", "Bytes", 7, None]

hostile = st.one_of(
    st.sampled_from(HOSTILE_NUMBERS),
    st.sampled_from(HOSTILE_TEXT),
    st.integers(),
    st.floats(),
    st.text(max_size=8),
    st.booleans(),
    st.none(),
    st.just("[" * 200 + "]" * 200),
)
json_values = st.recursive(
    hostile,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=4) | st.sampled_from(HOSTILE_TEXT), inner, max_size=3)
    ),
    max_leaves=8,
)
typed_value = st.fixed_dictionaries(
    {"value": json_values}, optional={"type": st.sampled_from(TYPES), "valueInfo": json_values}
)
variables = st.one_of(
    st.dictionaries(st.text(max_size=4) | st.sampled_from(HOSTILE_TEXT), typed_value, max_size=3), json_values
)


def field(valid: Any, bad: st.SearchStrategy[Any] = json_values) -> st.SearchStrategy[Any]:
    """Mostly hostile, sometimes the valid value: a request is refused as soon as one field is wrong."""
    return st.one_of(st.just(valid), bad)


def body(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


TOPIC = st.fixed_dictionaries(
    {},
    optional={
        "topicName": field("create-database"),
        "lockDuration": field(60_000, st.sampled_from(HOSTILE_NUMBERS) | json_values),
        "variables": field(["region"]),
        "processDefinitionKey": field("database-creation"),
    },
)
# (method, path, body strategy); {task} and {instance} are replaced by real ids
ENDPOINTS: list[tuple[str, str, st.SearchStrategy[dict[str, Any]]]] = [
    (
        "post",
        "/external-task/fetchAndLock",
        body(
            workerId=field("w2"),
            maxTasks=field(1, st.sampled_from(HOSTILE_NUMBERS)),
            usePriority=field(True),
            asyncResponseTimeout=st.sampled_from([0, *HOSTILE_NUMBERS[:6], "soon"]),  # never a real wait
            topics=st.one_of(st.lists(TOPIC, max_size=2), json_values),
        ),
    ),
    (
        "post",
        "/external-task/{task}/complete",
        body(workerId=field("w1"), variables=variables, localVariables=variables),
    ),
    (
        "post",
        "/external-task/{task}/failure",
        body(
            workerId=field("w1"),
            errorMessage=field("boom"),
            errorDetails=json_values,
            retries=field(1, st.sampled_from(HOSTILE_NUMBERS)),
            retryTimeout=field(1000, st.sampled_from(HOSTILE_NUMBERS)),
        ),
    ),
    ("post", "/external-task/{task}/bpmnError", body(workerId=field("w1"), errorCode=field("E1"), variables=variables)),
    (
        "post",
        "/external-task/{task}/extendLock",
        body(workerId=field("w1"), newDuration=st.sampled_from(HOSTILE_NUMBERS) | json_values),
    ),
    ("put", "/external-task/{task}/retries", body(retries=st.sampled_from(HOSTILE_NUMBERS) | json_values)),
    (
        "put",
        "/external-task/retries",
        body(retries=st.sampled_from(HOSTILE_NUMBERS), externalTaskIds=field(["{task}"])),
    ),
    (
        "post",
        "/process-definition/key/database-creation/start",
        body(
            variables=variables,
            businessKey=field("b1"),
            withVariablesInReturn=json_values,
        ),
    ),
    (
        "post",
        "/message",
        body(
            messageName=field("approval"),
            businessKey=field("order-1"),
            processInstanceId=json_values,
            correlationKeys=variables,
            processVariables=variables,
            resultEnabled=json_values,
            all=json_values,
        ),
    ),
    ("post", "/process-instance/{instance}/variables", body(modifications=variables, deletions=json_values)),
    ("put", "/process-instance/{instance}/variables/x", typed_value),
    (
        "post",
        "/process-instance",
        body(
            firstResult=st.sampled_from(HOSTILE_NUMBERS),
            maxResults=st.sampled_from(HOSTILE_NUMBERS),
            sorting=json_values,
            startedBefore=st.sampled_from(HOSTILE_TEXT),
        ),
    ),
    (
        "post",
        "/history/process-instance",
        body(
            firstResult=st.sampled_from(HOSTILE_NUMBERS),
            finishedAfter=st.sampled_from(HOSTILE_TEXT),
        ),
    ),
]


def snapshot(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table, as text: what a refused request must leave untouched."""
    tables: dict[str, list[str]] = {}
    with engine.db.read() as conn:
        for table in sorted(engine.db.table_names()):
            rows = conn.exec_driver_sql(f"SELECT * FROM {table}").fetchall()
            tables[table] = sorted(repr(tuple(row)) for row in rows)
    return tables


@pytest.fixture
def targets(deployed: Engine, client: FlaskClient) -> dict[str, str]:
    deployed.deploy([bpmn_file("receive-task-c7.bpmn")])
    deployed.start("receive-task-c7", {"orderId": 1}, business_key="order-1")
    instance = deployed.start("database-creation", {"region": "eu"})
    body = {"workerId": "w1", "maxTasks": 1, "topics": [{"topicName": "create-database", "lockDuration": 600_000}]}
    tasks = client.post("/engine-rest/external-task/fetchAndLock", json=body, headers=basic("operator")).get_json()
    return {"task": tasks[0]["id"], "instance": instance.id}


@pytest.mark.parametrize(("method", "path", "bodies"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ENDPOINTS])
def test_engine_rest_bodies_never_answer_5xx_and_refusals_change_nothing(
    client: FlaskClient,
    deployed: Engine,
    targets: dict[str, str],
    method: str,
    path: str,
    bodies: st.SearchStrategy[dict[str, Any]],
    record_property: Callable[[str, object], None],
) -> None:
    statuses: Counter[int] = Counter()
    url = "/engine-rest" + path.format(**targets)

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(payload=bodies)
    def send(payload: dict[str, Any]) -> None:
        raw = json.dumps(payload).replace('"{task}"', json.dumps(targets["task"]))  # NaN/Infinity stay as sent
        before = snapshot(deployed)
        response = client.open(
            url, method=method.upper(), data=raw, content_type="application/json", headers=basic("operator")
        )
        statuses[response.status_code] += 1
        assert response.status_code < 500, response.get_data(as_text=True)
        if 400 <= response.status_code < 500:
            assert snapshot(deployed) == before, (raw[:300], response.get_data(as_text=True))

    send()
    record_property("requests", sum(statuses.values()))
    print(f"{method.upper()} {path}: {sum(statuses.values())} requests, statuses {dict(sorted(statuses.items()))}")
    assert sum(statuses.values()) >= MAX_EXAMPLES // 2

"""Schemathesis over /api/v1 from its own OpenAPI document, against the real Flask app over WSGI.

Every operation gets generated requests (valid by the schema, and with
negative data mixed in), sent as an admin with HTTP basic auth to an engine
with deployed processes and live instances. Checks: no 5xx, the status code
and content type documented, the body matching the documented schema, and a 405
carrying Allow. Bounded: a few examples per operation, about 300 requests.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import checks
from schemathesis.generation import GenerationMode

from engine.engine import Engine
from tests.integration.conftest import basic

EXAMPLES_PER_OPERATION = 25
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def live(deployed: Engine) -> dict[str, list[str]]:
    """Ids that exist, so that most generated requests reach the engine instead of a 404."""
    instances = [deployed.start("database-creation", {"region": r}, business_key=f"order-{r}").id for r in ("eu", "us")]
    return {"instance_id": instances, "key": ["database-creation", "user-task-form"]}


def test_schemathesis_finds_no_server_error_and_no_mismatch_in_api_v1(app: Flask, live: dict[str, list[str]]) -> None:
    app.test_client_class = None  # schemathesis sends the requests; its own check fails any 5xx
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers=basic("viewer"))
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    sent: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() == "POST" and operation.path == "/deployments":
            continue  # multipart uploads of random bytes: covered by test_api_definitions

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(), data=st.data())
        def run(case: Any, data: Any) -> None:
            for name, known in live.items():
                if name in (case.path_parameters or {}) and data.draw(st.booleans()):
                    case.path_parameters[name] = data.draw(st.sampled_from(known))
            response = case.call(headers=basic("admin"))
            sent[case.operation.label] += 1
            statuses[response.status_code] += 1
            case.validate_response(response, checks=CHECKS)

        run()
    total = sum(sent.values())
    print(f"schemathesis: {total} requests over {len(sent)} operations; statuses {dict(sorted(statuses.items()))}")
    assert total >= 100 and not any(status >= 500 for status in statuses)

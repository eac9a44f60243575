"""A start whose JUEL script computes infinity answers 201 with an incident, never a 500."""

from __future__ import annotations

import io
from collections.abc import Callable

from werkzeug.test import TestResponse

from tests.scenarios.test_non_finite_numbers import juel_script


def test_start_of_a_process_whose_script_overflows_answers_with_an_incident(
    as_role: Callable[..., TestResponse],
) -> None:
    model = juel_script("${x * 1e308 * 10}")
    deployed = as_role("admin", "post", "/api/v1/deployments", data={"file": (io.BytesIO(model), "o.bpmn")})
    assert deployed.status_code == 201

    for _ in range(2):
        started = as_role("operator", "post", "/api/v1/definitions/overflow/start", json={"variables": {"x": 1.5}})
        assert started.status_code == 201, started.get_data(as_text=True)
        instance = as_role("viewer", "get", f"/api/v1/instances/{started.get_json()['id']}").get_json()
        (incident,) = instance["incidents"]
        assert incident["element_id"] == "Task_1" and "finite" in incident["message"]

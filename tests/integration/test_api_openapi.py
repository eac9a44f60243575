"""The OpenAPI document describes exactly the routes of /api/v1."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from werkzeug.test import TestResponse

Call = Callable[..., TestResponse]


def test_every_api_route_is_documented_and_nothing_else(app: Flask, as_role: Call) -> None:
    document = as_role("viewer", "get", "/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule).removeprefix("/api/v1")
            routed |= {(m, path) for m in rule.methods or () if m not in ("HEAD", "OPTIONS")}
    assert documented == routed


def test_each_operation_documents_auth_errors_and_a_unique_id(as_role: Call) -> None:
    document = as_role("viewer", "get", "/api/v1/openapi.json").get_json()
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    for ops in document["paths"].values():
        for op in ops.values():
            assert {"401", "403"} <= set(op["responses"])

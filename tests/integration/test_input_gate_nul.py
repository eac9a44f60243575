"""NUL characters and overlong variable names are refused at the edge with a 400 saying where.

PostgreSQL text cannot hold NUL, so before the gate refused it such a value reached the store
and failed the whole batch it was written in; on SQLite it was kept and broke the PostgreSQL
copy later. Every row here was accepted before.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from werkzeug.test import TestResponse

from engine.engine import Engine
from engine.limits import MAX_NAME_LENGTH
from steadyflow.cli.commands import parse_vars
from steadyflow.errors import InvalidInputError
from tests.integration.conftest import basic, bpmn_file

Call = Callable[..., TestResponse]
NUL = "a\u0000b"
C7_START = "/engine-rest/process-definition/key/database-creation/start"
V1_START = "/api/v1/definitions/database-creation/start"

REFUSED: list[tuple[str, object, str]] = [
    (C7_START, {"businessKey": NUL}, "businessKey holds a NUL"),
    (C7_START, {"variables": {"s": {"value": NUL, "type": "String"}}}, "s.value holds a NUL"),
    (C7_START, {"variables": {"j": {"value": json.dumps({"k": [NUL]}), "type": "Json"}}}, "NUL"),
    (C7_START, {"variables": {NUL: {"value": 1}}}, "the name holds a NUL"),
    (C7_START, {"variables": {"n" * (MAX_NAME_LENGTH + 1): {"value": 1}}}, f"at most {MAX_NAME_LENGTH}"),
    ("/engine-rest/message", {"messageName": NUL}, "messageName holds a NUL"),
    (V1_START, {"business_key": NUL}, "business_key holds a NUL"),
    (V1_START, {"variables": {"v": ["ok", NUL]}}, "v[1] holds a NUL"),
    (V1_START, {"variables": {"n" * (MAX_NAME_LENGTH + 1): 1}}, f"at most {MAX_NAME_LENGTH}"),
]


@pytest.fixture
def ready(deployed: Engine) -> Engine:
    deployed.deploy([bpmn_file("error-boundary.bpmn")])
    return deployed


@pytest.mark.parametrize(("path", "body", "words"), REFUSED, ids=[f"{r[0]} {r[2]}" for r in REFUSED])
def test_nul_or_an_overlong_name_is_refused_with_a_400_saying_where(
    ready: Engine, as_role: Call, path: str, body: object, words: str
) -> None:
    response = as_role("operator", "post", path, data=json.dumps(body), content_type="application/json")
    text = response.get_data(as_text=True)
    assert response.status_code == 400, text
    assert words.lower() in text.lower(), text
    assert ready.instances() == []


def test_a_name_at_the_cap_and_control_characters_other_than_nul_are_accepted(ready: Engine, as_role: Call) -> None:
    name = "n" * MAX_NAME_LENGTH
    body = {"variables": {name: "tab\there\x01"}, "business_key": "k\x7f"}
    response = as_role("operator", "post", V1_START, json=body)
    assert response.status_code < 300, response.get_data(as_text=True)
    [started] = ready.instances()
    assert ready.variables(started.id)[name] == "tab\there\x01"


def test_cli_var_holding_a_nul_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="NUL"):
        parse_vars(['x="a\\u0000b"'])


__all__ = ["basic"]

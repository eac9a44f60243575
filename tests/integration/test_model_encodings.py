"""A BPMN file in UTF-16 (BOM or declaration) is read the same by every entry point, and runs after deploy."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from bpmn.parser import parse_model
from engine.engine import Engine
from steadyflow.errors import ModelValidationError
from tests.integration.conftest import bpmn_file
from tests.integration.engine_rest_helpers import modeler_deploy_body, modeler_headers
from tests.integration.test_cli import cli

NAME, PLAIN = bpmn_file("user-task.bpmn")
UTF8 = PLAIN.replace(b'id="user-task"', 'id="user-task" name="Caf\u00e9 \u2013 review"'.encode(), 1)
KEY = "user-task"


def in_utf16(data: bytes, codec: str) -> bytes:
    text = data.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
    return text.encode(codec)


ENCODINGS = {
    "utf-16-bom": in_utf16(UTF8, "utf-16"),
    "utf-16-le-declared": in_utf16(UTF8, "utf-16-le"),
    "utf-16-be-declared": in_utf16(UTF8, "utf-16-be"),
    "windows-1252-declared": UTF8.decode("utf-8")
    .replace('encoding="UTF-8"', 'encoding="windows-1252"', 1)
    .encode("cp1252"),
}
each_encoding = pytest.mark.parametrize("data", ENCODINGS.values(), ids=ENCODINGS.keys())


def assert_deployed_and_runs(engine: Engine, data: bytes) -> None:
    definition = engine.definitions.resolve(KEY)
    # The stored text is what a restarted process parses: it must give the model the file describes.
    engine.definitions._models.clear()
    stored = engine.definitions.model(definition)
    assert stored.spec.task_specs.keys() == parse_model(data, NAME).processes[KEY].spec.task_specs.keys()
    assert definition.name == parse_model(data, NAME).processes[KEY].name
    assert definition.name == stored.name == "Caf\u00e9 \u2013 review"
    engine.start(KEY)


@each_encoding
def test_engine_deploy_reads_the_declared_encoding(engine: Engine, data: bytes) -> None:
    engine.deploy([(NAME, data)])
    assert_deployed_and_runs(engine, data)


@each_encoding
def test_api_v1_deploy_reads_the_declared_encoding(
    engine: Engine, as_role: Callable[..., TestResponse], data: bytes
) -> None:
    response = as_role("admin", "post", "/api/v1/deployments", data={"file": (io.BytesIO(data), NAME)})
    assert response.status_code == 201, response.get_json()
    assert_deployed_and_runs(engine, data)


@each_encoding
def test_engine_rest_deployment_reads_the_declared_encoding(engine: Engine, client: FlaskClient, data: bytes) -> None:
    body, content_type = modeler_deploy_body(KEY, NAME, data)
    response = client.post(
        "/engine-rest/deployment/create", data=body, headers=modeler_headers("admin") | {"content-type": content_type}
    )
    assert response.status_code == 200, response.get_json()
    assert_deployed_and_runs(engine, data)


@each_encoding
def test_validate_reads_the_declared_encoding(tmp_path: Path, data: bytes) -> None:
    model = tmp_path / NAME
    model.write_bytes(data)
    result = cli(tmp_path / "var", "validate", "--json", str(model))
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)[0]["ok"] is True


def test_an_unknown_encoding_is_refused_with_its_name(engine: Engine, as_role: Callable[..., TestResponse]) -> None:
    data = UTF8.replace(b'encoding="UTF-8"', b'encoding="x-klingon"', 1)
    with pytest.raises(ModelValidationError, match="x-klingon"):
        engine.deploy([(NAME, data)])
    response = as_role("admin", "post", "/api/v1/deployments", data={"file": (io.BytesIO(data), NAME)})
    assert response.status_code == 400 and "x-klingon" in response.get_data(as_text=True)

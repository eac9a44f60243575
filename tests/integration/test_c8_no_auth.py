"""``serve --c8-no-auth``: Camunda Modeler's zero-configuration default, on loopback only."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from camunda_orchestration_sdk import CamundaClient
from flask import Flask

from engine.accounts import Accounts
from engine.engine import Engine
from tests.conftest import EXAMPLES
from tests.integration.conftest import NoServerErrorClient, basic
from tests.integration.test_engine_rest_workers import ROOT, Server, _env, serve, stop_server
from webui.app import create_app

pytestmark = pytest.mark.slow


@pytest.fixture
def no_auth_app(engine: Engine, fast_accounts: Accounts) -> Flask:
    app = create_app(engine, accounts=fast_accounts, config={"TESTING": True, "C8_NO_AUTH": True})
    app.test_client_class = NoServerErrorClient
    return app


def test_an_empty_authorization_header_from_loopback_is_let_into_v2_only(no_auth_app: Flask) -> None:
    client = no_auth_app.test_client()
    assert client.get("/v2/topology", headers={"Authorization": ""}).status_code == 200
    assert client.get("/v2/topology").status_code == 200
    assert client.get("/api/v1/definitions", headers={"Authorization": ""}).status_code == 401
    assert client.get("/engine-rest/deployment").status_code == 401
    wrong = client.get("/v2/topology", headers={"Authorization": "Basic d3Jvbmc6d3Jvbmc="})
    assert wrong.status_code == 401 and wrong.get_json()["title"] == "Unauthorized"
    assert client.get("/v2/topology", headers=basic("viewer")).status_code == 200


def test_a_request_from_another_machine_still_needs_credentials(no_auth_app: Flask) -> None:
    client = no_auth_app.test_client()
    response = client.get("/v2/topology", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 401 and response.get_json()["title"] == "Unauthorized"


def _multipart_deploy(client: Any, headers: dict[str, str]) -> Any:
    data = {"resources": ((EXAMPLES / "database-creation-c8.bpmn").open("rb"), "database-creation-c8.bpmn")}
    return client.post("/v2/deployments", data=data, content_type="multipart/form-data", headers=headers)


@pytest.mark.parametrize(
    ("headers", "refused_for"),
    [
        ({"Origin": "https://attacker.example", "Host": "rebound.attacker.example:8080"}, "localhost"),
        ({"Host": "rebound.attacker.example:8080"}, "localhost"),
        ({"Origin": "https://attacker.example"}, "attacker.example"),
        ({"Origin": "null"}, "null"),
        ({"Sec-Fetch-Site": "cross-site"}, "another site"),
        ({"Origin": "http://localhost:3000", "Sec-Fetch-Site": "same-site"}, "another site"),
    ],
)
def test_a_browser_request_from_another_site_or_a_rebound_name_is_refused(
    no_auth_app: Flask, headers: dict[str, str], refused_for: str
) -> None:
    response = _multipart_deploy(no_auth_app.test_client(), headers)
    assert response.status_code == 403 and response.content_type.startswith("application/problem+json")
    assert "--c8-no-auth" in response.get_json()["detail"] and refused_for in response.get_json()["detail"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Host": "127.0.0.1:8080"},
        {"Host": "[::1]:8080", "Origin": "http://[::1]:8080"},
        {"Host": "localhost", "Origin": "http://localhost:8080", "Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},
    ],
)
def test_a_loopback_addressed_request_without_a_foreign_origin_is_let_in(
    no_auth_app: Flask, headers: dict[str, str]
) -> None:
    assert _multipart_deploy(no_auth_app.test_client(), headers).status_code == 200


def test_without_the_flag_v2_needs_credentials(app: Flask) -> None:
    assert app.test_client().get("/v2/topology", headers={"Authorization": ""}).status_code == 401


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.7", "::"])
def test_serve_refuses_the_flag_on_a_non_loopback_host(tmp_path: Path, host: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "steadyflow", "serve", "--c8-no-auth", "--host", host, "--data-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=_env(),
    )
    assert result.returncode == 2 and "--c8-no-auth" in result.stderr and host in result.stderr
    assert list(tmp_path.iterdir()) == []  # refused before a database was opened


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("serve-no-auth")
    running = serve(data_dir, "--c8-no-auth")
    yield running
    stop_server(running)


def test_modeler_style_requests_without_credentials_deploy_and_start(server: Server) -> None:
    probe = httpx.get(f"{server.url}/v2/topology", headers={"authorization": "", "content-type": "application/json"})
    assert probe.status_code == 200 and probe.json()["gatewayVersion"].startswith("8.8")
    with CamundaClient(
        configuration={"CAMUNDA_REST_ADDRESS": f"{server.url}/v2", "CAMUNDA_AUTH_STRATEGY": "NONE"}
    ) as c:
        deployed = c.deploy_resources_from_files([EXAMPLES / "database-creation-c8.bpmn"])
        assert deployed.processes[0].resource_name == "database-creation-c8.bpmn"
    started = httpx.post(
        f"{server.url}/v2/process-instances",
        json={"variables": {"regions": ["eu"]}, "processDefinitionId": "database-creation-c8"},
        headers={"authorization": ""},
    )
    assert started.status_code == 200 and started.json()["processInstanceKey"].isdigit()
    assert httpx.get(f"{server.url}/api/v1/instances").status_code == 401  # the rest of the app is unchanged


def test_a_waiting_job_activation_is_answered_at_shutdown(tmp_path: Path) -> None:
    server = serve(tmp_path, "--c8-no-auth")
    answers: list[httpx.Response] = []
    body = {"type": "nothing", "worker": "w", "timeout": 60_000, "maxJobsToActivate": 1, "requestTimeout": 120_000}
    poll = threading.Thread(
        target=lambda: answers.append(httpx.post(f"{server.url}/v2/jobs/activation", json=body, timeout=150))
    )
    poll.start()
    time.sleep(0.5)  # let the poll start waiting (an ordering aid, not a measurement)
    assert stop_server(server) == 0
    poll.join(timeout=60)
    assert answers and answers[0].status_code == 200 and answers[0].json() == {"jobs": []}

"""Camunda Modeler's REST requests, made as Modeler's source makes them, read off the wire.

``tests/node/modeler_session.mjs`` builds the client the way Modeler's
``camunda-client-factory.js`` does for its default connection (self-managed,
no authentication) and calls what ``zeebe-api.js`` calls: topology probe and
check, deploy, start, and the searches of task testing, through the Node SDK
Modeler bundles. A recording proxy between it and ``steadyflow serve
--c8-no-auth`` keeps the bytes, so the test checks the requests as sent
(method, path, headers, multipart parts, JSON) and what the server answered.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.integration.recording_proxy import RecordingProxy, Request
from tests.integration.test_engine_rest_workers import (
    ROOT,
    Server,
    _env,
    serve,
    stop_server,
)

pytestmark = pytest.mark.slow
NODE_DIR = ROOT / "tests" / "node"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = serve(tmp_path, "--c8-no-auth")
    yield running
    stop_server(running)


def _multipart_parts(request: Request) -> list[tuple[dict[str, str], bytes]]:
    content_type = request.header("content-type") or ""
    found = re.search(r"boundary=(\S+)", content_type)
    assert found, content_type
    boundary = found.group(1).strip('"').encode()
    parts = []
    for chunk in request.body.split(b"--" + boundary)[1:-1]:
        assert chunk.startswith(b"\r\n") and chunk.endswith(b"\r\n"), chunk[:80]
        head, _, body = chunk[2:-2].partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode().split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        parts.append((headers, body))
    return parts


def test_modelers_default_connection_probes_deploys_starts_and_searches(server: Server) -> None:
    node = shutil.which("node")
    assert node, "Node.js is needed for this test (the machine's 'node')"
    assert (NODE_DIR / "node_modules" / "@camunda8" / "sdk").is_dir(), "run 'make' (npm ci in tests/node)"
    port = int(server.url.rsplit(":", 1)[1])
    proxy = RecordingProxy(port)
    example = EXAMPLES / "database-creation-c8.bpmn"
    env = {k: v for k, v in _env().items() if not k.startswith(("CAMUNDA_", "ZEEBE_"))} | {"CAMUNDA_LOG_LEVEL": "error"}
    try:
        result = subprocess.run(
            [node, "modeler_session.mjs", f"http://127.0.0.1:{proxy.port}/v2", str(example), "database-creation-c8"],
            cwd=NODE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        proxy.close()
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["gatewayVersion"] == "8.8.0" and seen["processDefinitionId"] == "database-creation-c8"
    assert seen["processInstanceKey"].isdigit() and seen["state"] in ("ACTIVE", "COMPLETED")
    assert (
        "regions" in seen["variables"]
        and seen["elements"][0] == "StartEvent_RequestReceived"
        and seen["incidents"] == 0
    )

    requests = proxy.requests()
    assert [(r.method, r.path.split("?")[0]) for r in requests] == [
        ("GET", "/v2/topology"),
        ("GET", "/v2/topology"),
        ("POST", "/v2/deployments"),
        ("POST", "/v2/process-instances"),
        ("POST", "/v2/process-instances/search"),
        ("POST", "/v2/variables/search"),
        ("POST", "/v2/element-instances/search"),
        ("POST", "/v2/incidents/search"),
    ]
    for request in requests:
        # No credentials configured: the header is there, empty, and the server answers anyway.
        assert request.header("authorization") == "", request.headers
        assert (request.header("user-agent") or "").startswith("camunda8-sdk-nodejs/")
    topology, _, deploy, start = requests[:4]
    assert topology.header("content-type") == "application/json" and topology.body == b""
    assert deploy.header("accept") == "application/json"
    parts = _multipart_parts(deploy)
    names = [re.search(r'name="([^"]+)"', h["content-disposition"]).group(1) for h, _ in parts]  # type: ignore[union-attr]
    assert sorted(names) == ["resources", "tenantId"]
    (resource,) = [(h, b) for h, b in parts if 'name="resources"' in h["content-disposition"]]
    assert 'filename="database-creation-c8.bpmn"' in resource[0]["content-disposition"]
    assert resource[0]["content-type"] == "application/octet-stream" and resource[1] == example.read_bytes()
    (tenant,) = [b for h, b in parts if 'name="tenantId"' in h["content-disposition"]]
    assert tenant == b"<default>"
    body = json.loads(start.body)
    assert body == {
        "variables": {"database": "orders", "regions": ["eu"]},
        "processDefinitionId": "database-creation-c8",
        "tenantId": "<default>",
    }
    assert "Traceback" not in server.log.read_text(errors="replace")

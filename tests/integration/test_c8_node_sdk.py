"""Camunda 8's Node client (``@camunda8/sdk`` from npm, pinned in tests/node), unchanged, against a real serve.

The machine's Node runs ``tests/node/complete_example.mjs``: it deploys the
Camunda 8 example, starts it, and the SDK's REST job workers do every job
(the server's own handlers for those types are switched off). ``make`` installs
the client (``npm ci`` in tests/node).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from tests.conftest import EXAMPLES
from tests.integration.test_engine_rest_workers import (
    LEAVE_TO_WORKERS,
    PASSWORD,
    ROOT,
    Server,
    _cli,
    _env,
    serve,
    stop_server,
)

pytestmark = pytest.mark.slow
NODE_DIR = ROOT / "tests" / "node"


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("serve-c8-node")
    _cli(data_dir, "users", "add", "deployer", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    running = serve(data_dir, *LEAVE_TO_WORKERS)
    yield running
    stop_server(running)


def test_the_node_sdk_rest_job_worker_completes_the_example(server: Server) -> None:
    node = shutil.which("node")
    assert node, "Node.js is needed for this test (the machine's 'node')"
    assert (NODE_DIR / "node_modules" / "@camunda8" / "sdk").is_dir(), (
        "the Node client is not installed: run 'make' (or 'npm ci' in tests/node)"
    )
    env = {
        key: value
        for key, value in _env().items()
        if not key.startswith(("CAMUNDA_", "ZEEBE_"))  # only what this test sets
    } | {
        "ZEEBE_REST_ADDRESS": server.url,
        "CAMUNDA_AUTH_STRATEGY": "BASIC",
        "CAMUNDA_BASIC_AUTH_USERNAME": "deployer",
        "CAMUNDA_BASIC_AUTH_PASSWORD": PASSWORD,
        "CAMUNDA_TENANT_ID": "<default>",
        "CAMUNDA_LOG_LEVEL": "error",
    }
    example = str(EXAMPLES / "database-creation-c8.bpmn")
    result = subprocess.run(
        [node, "complete_example.mjs", example, "60000"],
        cwd=NODE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert result.returncode == 0 and lines, f"node failed ({result.returncode}): {result.stdout}\n{result.stderr}"
    outcome = json.loads(lines[-1])
    assert outcome["state"] == "COMPLETED" and outcome["processInstanceKey"].isdigit()
    jobs = outcome["jobs"]
    assert sorted(detail for kind, detail in jobs if kind == "create-database") == ["ap-south", "eu-west", "us-east"]
    assert [detail for kind, detail in jobs if kind == "create-replication"] == ["eu-west-db,us-east-db,ap-south-db"]
    assert "Traceback" not in server.log.read_text(errors="replace")

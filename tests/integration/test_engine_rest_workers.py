"""Real Camunda 7 external-task clients from PyPI, unchanged, against a real ``steadyflow serve``.

The server runs with ``--disable-handler`` for the database-creation job types,
so only the external workers serve those topics; the workers long-poll.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import DATA, EXAMPLES
from tests.integration.engine_rest_helpers import deploy_as_modeler, typed

ROOT = Path(__file__).resolve().parents[2]
WORKER_SCRIPT = Path(__file__).with_name("external_worker.py")
PASSWORD = "worker-password"
pytestmark = pytest.mark.slow


@dataclass
class Server:
    url: str
    token: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def rest(self) -> str:
        return f"{self.url}/engine-rest"

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        kwargs.setdefault("timeout", 60)
        return httpx.request(method, self.rest + path, auth=("worker", PASSWORD), **kwargs)


def _cli(data_dir: Path, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "steadyflow", *args, "--data-dir", str(data_dir)],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=_env(),
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("STEADYFLOW_DB", "STEADYFLOW_DISABLE_HANDLERS")}
    return env | {"PYTHONUNBUFFERED": "1"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


LEAVE_TO_WORKERS = ("--disable-handler", "create-database", "--disable-handler", "create-replication")
"""``serve`` options that leave the database-creation job types to external workers."""


def serve(data_dir: Path, *options: str, token: str = "") -> Server:
    """``steadyflow serve`` on a free loopback port with ``options``, once it answers /health."""
    port = _free_port()
    log = data_dir / "serve.log"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "steadyflow", "serve", "--host", "127.0.0.1", "--port", str(port)),
            *("--data-dir", str(data_dir), *options),
        ],
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env=_env(),
    )
    server = Server(f"http://127.0.0.1:{port}", token, process, log)
    wait_until(lambda: _healthy(server), f"steadyflow serve did not start: {log.read_text(errors='replace')}")
    return server


def start_server(data_dir: Path) -> Server:
    """Accounts made with the CLI, then ``steadyflow serve`` leaving the database-creation topics to workers."""
    _cli(data_dir, "users", "add", "worker", "--role", "operator", "--password-stdin", stdin=PASSWORD + "\n")
    _cli(data_dir, "users", "add", "deployer", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    token = _cli(data_dir, "users", "token", "worker").split()[0]
    server = serve(data_dir, *LEAVE_TO_WORKERS, token=token)
    for path in (EXAMPLES / "database-creation.bpmn", DATA / "error-boundary.bpmn"):
        deploy_as_modeler(server.rest, path, ("deployer", PASSWORD))
    return server


def _healthy(server: Server) -> bool:
    if server.process.poll() is not None:
        raise AssertionError(f"steadyflow serve exited: {server.log.read_text(errors='replace')}")
    try:
        return httpx.get(f"{server.url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def stop_server(server: Server) -> int:
    server.process.send_signal(signal.SIGTERM)
    return server.process.wait(timeout=60)


def wait_until(condition: Callable[[], Any], message: str, timeout_s: float = 60) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, message() if callable(message) else message
        time.sleep(0.1)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("serve"))
    yield running
    stop_server(running)


@pytest.fixture
def worker(server: Server, tmp_path: Path) -> Iterator[Callable[..., str]]:
    """``worker(client, mode, topics, auth=...)`` starts a real client in its own process; returns its id."""
    processes: list[tuple[subprocess.Popen[bytes], Path]] = []

    def run(client: str, mode: str, topics: str, auth: str = "basic") -> str:
        worker_id = f"{client}-{mode}-{uuid.uuid4().hex[:6]}"
        credentials = f"basic:worker:{PASSWORD}" if auth == "basic" else f"bearer:{server.token}"
        log = tmp_path / f"{worker_id}.log"
        process = subprocess.Popen(
            [sys.executable, str(WORKER_SCRIPT), client, server.rest, credentials, mode, worker_id, topics],
            cwd=tmp_path,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            env=_env(),
        )
        processes.append((process, log))
        return worker_id

    yield run
    for process, _ in processes:
        process.kill()
        process.wait(timeout=30)


def start_instance(server: Server, key: str, **variables: Any) -> str:
    body = {"businessKey": f"REQ-{uuid.uuid4().hex[:6]}", "variables": {k: typed(v) for k, v in variables.items()}}
    response = server.call("post", f"/process-definition/key/{key}/start", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


CLIENTS = [("camunda", "basic"), ("operaton", "bearer")]


@pytest.mark.parametrize(("client", "auth"), CLIENTS)
def test_real_workers_complete_the_database_creation_example(
    server: Server, worker: Callable[..., str], client: str, auth: str
) -> None:
    instance_id = start_instance(server, "database-creation", database="orders")
    worker_id = worker(client, "complete", "create-database,create-replication", auth=auth)

    def completed() -> bool:
        return server.call("get", f"/history/process-instance/{instance_id}").json()["state"] == "COMPLETED"

    wait_until(completed, f"instance {instance_id} did not complete with worker {worker_id}")
    variables = {
        v["name"]: v["value"]
        for v in server.call("get", f"/history/variable-instance?processInstanceId={instance_id}").json()
    }
    # Every task was done by the external worker: the in-process handlers were disabled for these topics.
    for activity in ("Activity_CreateDatabaseIstanbul", "Activity_CreateDatabaseAnkara", "Activity_CreateReplication"):
        assert variables[f"done_{activity}"] is True
    assert variables["completedBy"] == worker_id
    assert server.call("get", f"/process-instance/{instance_id}").status_code == 404


@pytest.mark.parametrize(("client", "auth"), CLIENTS)
def test_real_worker_failures_with_retries_run_out_into_incidents(
    server: Server, worker: Callable[..., str], client: str, auth: str
) -> None:
    instance_id = start_instance(server, "database-creation", database="orders")
    worker(client, "fail", "create-database", auth=auth)

    def incidents() -> list[dict[str, Any]]:
        found = server.call("get", f"/incident?processInstanceId={instance_id}").json()
        return list(found) if len(found) == 2 else []

    found = wait_until(incidents, f"instance {instance_id} did not get an incident per create-database task")
    assert {i["incidentType"] for i in found} == {"failedExternalTask"}
    assert {i["incidentMessage"] for i in found} == {"database server unreachable"}
    tasks = server.call("get", f"/external-task?processInstanceId={instance_id}").json()
    assert {t["retries"] for t in tasks} == {0}
    flagged = server.call("get", "/process-instance?withIncident=true").json()
    assert instance_id in {i["id"] for i in flagged}


@pytest.mark.parametrize(("client", "auth"), CLIENTS)
def test_real_worker_bpmn_error_reaches_the_boundary_event(
    server: Server, worker: Callable[..., str], client: str, auth: str
) -> None:
    instance_id = start_instance(server, "error-boundary")
    worker(client, "bpmn-error", "charge", auth=auth)

    def at_notify() -> list[Any]:
        return list(server.call("get", f"/external-task?processInstanceId={instance_id}&topicName=notify").json())

    wait_until(at_notify, f"instance {instance_id} did not reach the boundary event's path")
    variables = server.call("get", f"/process-instance/{instance_id}/variables").json()
    assert variables["declineReason"]["value"] == "insufficient funds"


def waiting_long_polls(server: Server) -> int:
    """The server's own count of fetchAndLock requests waiting in a long poll (its /metrics gauge)."""
    scraped = httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {server.token}"}, timeout=60)
    assert scraped.status_code == 200, scraped.text
    for line in scraped.text.splitlines():
        if line.startswith('steadyflow_long_polls_waiting{api="engine-rest"}'):
            return int(float(line.split()[-1]))
    raise AssertionError(f"/metrics has no engine-rest long-poll gauge: {scraped.text}")


def test_server_shutdown_releases_a_waiting_long_poll(tmp_path: Path) -> None:
    own = start_server(tmp_path)
    answer: list[httpx.Response] = []
    body = {
        "workerId": "patient",
        "maxTasks": 1,
        "asyncResponseTimeout": 1_800_000,
        "topics": [{"topicName": "nobody-creates-this", "lockDuration": 1000}],
    }
    waiter = threading.Thread(target=lambda: answer.append(own.call("post", "/external-task/fetchAndLock", json=body)))
    waiter.start()
    wait_until(lambda: waiting_long_polls(own) == 1, "the fetchAndLock request never started waiting")
    assert stop_server(own) == 0
    waiter.join(timeout=60)
    assert answer and answer[0].status_code == 200 and answer[0].json() == []


@contextlib.contextmanager
def _raw_request(server: Server, path: str, body: dict[str, Any]) -> Iterator[socket.socket]:
    """Send one POST over a plain socket and leave the answer unread: a client that may hang up at any moment."""
    payload = json.dumps(body).encode()
    credentials = base64.b64encode(f"worker:{PASSWORD}".encode()).decode()
    host, port = server.url.removeprefix("http://").split(":")
    head = (
        f"POST /engine-rest{path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Authorization: Basic {credentials}\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    connection = socket.create_connection((host, int(port)), timeout=60)
    try:
        connection.sendall(head.encode() + payload)
        yield connection
    finally:
        connection.close()


def test_a_long_poll_whose_worker_hung_up_locks_nothing(server: Server) -> None:
    charge = {"topicName": "charge", "lockDuration": 600_000}
    hung_up = {"workerId": "gone", "maxTasks": 10, "asyncResponseTimeout": 60_000, "topics": [charge]}
    before = waiting_long_polls(server)
    with _raw_request(server, "/external-task/fetchAndLock", hung_up) as connection:
        wait_until(lambda: waiting_long_polls(server) == before + 1, "the fetchAndLock request never started waiting")
        connection.close()  # the worker hangs up while its request waits
    wait_until(lambda: waiting_long_polls(server) == before, "the server never noticed the worker hang up")
    instance_id = start_instance(server, "error-boundary")
    alive = {"workerId": "alive", "maxTasks": 10, "asyncResponseTimeout": 10_000, "topics": [charge]}
    tasks = server.call("post", "/external-task/fetchAndLock", json=alive).json()
    assert instance_id in {t["processInstanceId"] for t in tasks}
    assert {t["workerId"] for t in tasks} == {"alive"}

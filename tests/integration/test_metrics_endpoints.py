"""``/metrics`` over HTTP from real processes, ``serve`` and ``worker --metrics-port``; both stop on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.accounts import Accounts
from engine.engine import Engine
from tests.conftest import deploy
from tests.integration.test_metrics import samples
from tests.integration.worker_processes import ROOT, start_worker, stop_all, wait_until

pytestmark = pytest.mark.slow


def _get(url: str, token: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _url_in(log: Path, pattern: str) -> str:
    found: list[str] = []

    def printed() -> bool:
        found[:] = re.findall(pattern, log.read_text()) if log.exists() else []
        return bool(found)

    wait_until(printed, timeout_s=60, what=f"{pattern!r} in {log.name}")
    return found[0]


def test_worker_metrics_port_needs_a_token_and_counts_its_jobs(
    make_engine: Callable[..., Engine], db_url: str, tmp_path: Path
) -> None:
    engine = make_engine()
    deploy(engine, "database-creation-c8.bpmn")
    instance_id = engine.start("database-creation-c8", {"database": "orders", "regions": ["eu"]}).id
    token = Accounts(engine.db).issue_token(Accounts(engine.db).add_user("prometheus", "viewer")[0].username)
    log = tmp_path / "worker.log"
    worker = start_worker(db_url, tmp_path / "data", "--metrics-port", "0", log_path=log)
    try:
        url = _url_in(log, r"metrics on (http://\S+/metrics)")
        wait_until(lambda: engine.instance(instance_id).state == "completed", timeout_s=60, what="the instance")
        assert _get(url)[0] == 401
        status, body = _get(url, token)
        assert status == 200
        found = samples(body)
        assert found['steadyflow_job_attempts_total{type="create-database"}'] == 1
        assert found['steadyflow_instances{state="completed"}'] == 1
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
    finally:
        stop_all([worker])


def _db(db_url: str, tmp_path: Path) -> list[str]:
    return ["--db", db_url, "--data-dir", str(tmp_path / "data")]


def test_serve_answers_public_metrics_and_exits_zero_on_sigterm(db_url: str, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "steadyflow", "serve", "--port", "0", "--metrics-public", *_db(db_url, tmp_path)],
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = _url_in(log, r"serving on (http://\S+) ")
        status, body = _get(base + "/metrics")
        assert status == 200
        assert "# TYPE steadyflow_step_duration_seconds histogram" in body
        assert samples(body)["steadyflow_job_queue_depth"] == 0
        assert samples(body)['steadyflow_long_polls_waiting{api="engine-rest"}'] == 0
        assert samples(body)['steadyflow_long_polls_waiting{api="camunda8"}'] == 0
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0, log.read_text()
    finally:
        stop_all([server])

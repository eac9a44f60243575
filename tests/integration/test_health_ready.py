"""``/health`` says the process answers; ``/ready`` says its database answers and its scheduler runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from engine.engine import Engine
from engine.worker import WorkerPool
from service_tasks.registry import ServiceTaskRegistry
from tests.integration.tcp_proxy import TcpProxy
from tests.integration.test_metrics_endpoints import _get, _url_in
from tests.integration.worker_processes import ROOT, start_worker, stop_all, wait_until
from webui.app import create_app


def _ready(client_get: Callable[[str], tuple[int, str]], path: str = "/ready") -> tuple[int, dict[str, object]]:
    status, body = client_get(path)
    return status, json.loads(body)


def test_ready_follows_the_scheduler_from_start_to_stop(engine: Engine) -> None:
    pool = WorkerPool(engine, ServiceTaskRegistry.default().handler_set(), poll_interval_s=0.05)
    app: Flask = create_app(engine, config={"TESTING": True}, scheduler=pool)
    client = app.test_client()

    def get(path: str) -> tuple[int, str]:
        response = client.get(path)
        return response.status_code, response.get_data(as_text=True)

    status, body = _ready(get)
    assert status == 503
    assert body["checks"] == {
        "database": {"ok": True, "detail": "answered"},
        "scheduler": {"ok": False, "detail": "stopped"},
    }
    pool.start()
    try:
        status, body = _ready(get)
        assert status == 200, body
        assert body["status"] == "ready"
    finally:
        pool.stop(timeout_s=5)
    status, body = _ready(get)
    assert status == 503
    assert body["checks"]["scheduler"] == {"ok": False, "detail": "stopped"}  # type: ignore[index]
    assert get("/health") == (200, '{"status":"ok"}\n')


def test_health_and_ready_need_no_login_and_show_no_database_location(engine: Engine) -> None:
    client = create_app(engine, config={"TESTING": True}).test_client()
    ready = client.get("/ready")
    assert ready.status_code == 200, "without a scheduler only the database counts"
    assert ready.headers["Cache-Control"] == "no-store"
    assert str(engine.db.url.split("///")[-1]) not in ready.get_data(as_text=True)
    assert client.get("/health").status_code == 200


@pytest.mark.postgres
@pytest.mark.slow
def test_serve_is_not_ready_while_its_database_is_away_and_ready_again_after(db_url: str, tmp_path: Path) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("a database server to lose: runs in the PostgreSQL pass")
    url = make_url(db_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "steadyflow", "serve", "--port", "0", "--db", proxied, "--data-dir", str(tmp_path)],
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = _url_in(log, r"serving on (http://\S+) ")
        wait_until(lambda: _get(base + "/ready")[0] == 200, timeout_s=30, what="serve to be ready")
        proxy.cut()
        wait_until(lambda: _get(base + "/ready")[0] == 503, timeout_s=30, what="/ready to notice the lost database")
        status, body = _ready(lambda p: _get(base + p))
        assert status == 503
        assert body["checks"]["database"]["ok"] is False  # type: ignore[index]
        assert str(proxy.port) not in json.dumps(body), "the database address is not shown"
        assert _get(base + "/health")[0] == 200, "the process itself still answers: no restart wanted"
        proxy.restore()
        wait_until(lambda: _get(base + "/ready")[0] == 200, timeout_s=60, what="/ready after the database is back")
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0, log.read_text()
    finally:
        stop_all([server])
        proxy.close()


def test_worker_probes_on_its_metrics_port(db_url: str, tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    worker = start_worker(db_url, tmp_path / "data", "--metrics-port", "0", log_path=log)
    try:
        metrics = _url_in(log, r"metrics on (http://\S+)/metrics")
        assert _get(metrics + "/health") == (200, '{"status": "ok"}')
        wait_until(lambda: _get(metrics + "/ready")[0] == 200, timeout_s=30, what="the worker to be ready")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
    finally:
        stop_all([worker])

"""External-task round trips per second through the Camunda 7 REST subset, with 1, 4 and 16 workers.

Each worker is a thread with its own HTTP connection that repeats
``fetchAndLock`` (one task) then ``complete`` against a real ``steadyflow serve``
on a fresh SQLite database, until every pre-started instance's task is done.
The printed ratios compare 4 and 16 workers with 1 worker in the same run.

Usage: ``python -m bench.external_task_bench [--quick] [--tasks N] [--workers 1,4,16] [--pg URL] [--json PATH]``;
with ``--pg postgresql+psycopg://user@host/db`` each run gets a fresh PostgreSQL database instead of SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from engine.accounts import Accounts
from engine.config import EngineConfig
from engine.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_JSON = ROOT / "bench" / "results" / "external_task_bench.json"
USER, PASSWORD = "bench-worker", "bench-password"
TOPIC = "bench-task"
MODEL = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="external-task-bench" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="Work" />
    <bpmn:serviceTask id="Work" camunda:type="external" camunda:topic="{TOPIC}" />
    <bpmn:sequenceFlow id="f2" sourceRef="Work" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>
""".encode()


@contextmanager
def database(data_dir: Path, pg_base: str | None) -> Iterator[str | None]:
    """The database URL of one run: None (SQLite in ``data_dir``) or a fresh PostgreSQL database."""
    if not pg_base:
        yield None
        return
    import psycopg

    name = f"sf_bench_{uuid.uuid4().hex[:12]}"
    admin = pg_base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{pg_base.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(data_dir: Path, db_url: str | None, tasks: int) -> None:
    """A database with ``tasks`` instances each waiting at one external task, and a worker account."""
    engine = Engine(EngineConfig(data_dir=data_dir, db_url=db_url))
    try:
        engine.deploy([("external-task-bench.bpmn", MODEL)])
        for index in range(tasks):
            engine.start("external-task-bench", {"index": index})
        Accounts(engine.db).add_user(USER, "operator", PASSWORD)
    finally:
        engine.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(data_dir: Path, db_url: str | None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "STEADYFLOW_DB"} | ({"STEADYFLOW_DB": db_url} if db_url else {})
    process = subprocess.Popen(
        [sys.executable, "-m", "steadyflow", "serve", "--port", str(port), "--data-dir", str(data_dir)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("steadyflow serve did not start")
        time.sleep(0.1)


def work(url: str, worker_id: str, go: threading.Barrier, latencies: list[float], errors: list[str]) -> None:
    """fetchAndLock one task, complete it, repeat until nothing is left."""
    body = {"workerId": worker_id, "maxTasks": 1, "topics": [{"topicName": TOPIC, "lockDuration": 60_000}]}
    with httpx.Client(base_url=f"{url}/engine-rest", auth=(USER, PASSWORD), timeout=60) as client:
        # Warm up outside the measurement: the connection, and the server's check of the password (argon2).
        client.get("/version").raise_for_status()
        go.wait()
        while True:
            started = time.perf_counter()
            fetched = client.post("/external-task/fetchAndLock", json=body)
            if fetched.status_code != 200:
                errors.append(f"fetchAndLock {fetched.status_code}: {fetched.text[:200]}")
                return
            tasks = fetched.json()
            if not tasks:
                return
            done = client.post(f"/external-task/{tasks[0]['id']}/complete", json={"workerId": worker_id})
            if done.status_code != 204:
                errors.append(f"complete {done.status_code}: {done.text[:200]}")
                return
            latencies.append(time.perf_counter() - started)


def measure(workers: int, tasks: int, pg_base: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="sf-extbench-") as tmp, database(Path(tmp), pg_base) as db_url:
        data_dir = Path(tmp)
        prepare(data_dir, db_url, tasks)
        process, url = serve(data_dir, db_url)
        try:
            latencies: list[float] = []
            errors: list[str] = []
            go = threading.Barrier(workers + 1)
            threads = [
                threading.Thread(target=work, args=(url, f"w{i}", go, latencies, errors)) for i in range(workers)
            ]
            for thread in threads:
                thread.start()
            go.wait()
            started = time.perf_counter()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
        finally:
            process.terminate()
            process.wait(timeout=60)
    if errors:
        raise SystemExit(f"{workers} workers: {errors[0]}")
    if len(latencies) != tasks:
        raise SystemExit(f"{workers} workers completed {len(latencies)} of {tasks} tasks")
    return {
        "workers": workers,
        "tasks": tasks,
        "seconds": round(elapsed, 3),
        "round_trips_per_s": round(tasks / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p95_ms": round(sorted(latencies)[int(len(latencies) * 0.95) - 1] * 1000, 2),
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.external_task_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tiny run (seconds), for smoke tests")
    parser.add_argument("--tasks", type=int, default=None, help="tasks per run (default 600; --quick: 40)")
    parser.add_argument("--workers", default="1,4,16", help="comma-separated worker counts (default 1,4,16)")
    parser.add_argument("--pg", default=None, metavar="URL", help="run on fresh PostgreSQL databases under URL")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help=f"where to write results ({DEFAULT_JSON})")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    tasks = args.tasks or (40 if args.quick else 600)
    counts = [int(c) for c in args.workers.split(",") if c.strip()]
    results = [measure(count, tasks, args.pg) for count in counts]
    base = results[0]["round_trips_per_s"]
    store = "PostgreSQL" if args.pg else "SQLite"
    print(f"external tasks: fetchAndLock + complete round trips, {tasks} tasks per run, {store}, steadyflow serve")
    print(f"{'workers':>8} {'round trips/s':>14} {'p50 ms':>8} {'p95 ms':>8} {'ratio':>7}")
    for row in results:
        ratio = row["round_trips_per_s"] / base if base else 0.0
        row["ratio_vs_first"] = round(ratio, 2)
        print(
            f"{row['workers']:>8} {row['round_trips_per_s']:>14.1f} {row['p50_ms']:>8.2f} "
            f"{row['p95_ms']:>8.2f} {ratio:>6.2f}x"
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps({"quick": args.quick, "store": store, "results": results}, indent=2) + "\n", encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

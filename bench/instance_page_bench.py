"""How fast is one instance's page with 1,000 regions and 10,000 history events?

Runs the Camunda 8 example for real (a temporary SQLite file in WAL mode, as ``steadyflow serve``
uses it) with N regions (default 1,000): every region's job asks to be polled again a few times
before it completes (each poll is one more step and one more history event), and the last tenth
of the regions keep waiting, so the instance is still running with live inner instances when it
is measured. Then, as the median of several runs:

* baseline: hand-written sqlite3 reading what the page needs at the least (the instance's task
  rows and its newest 100 events), no SQLAlchemy, no Flask: the floor;
* restoring the workflow: ``Engine.view`` (decodes every task and reads every event, as the
  instance page did before it read indexed rows);
* the API: ``GET /api/v1/instances/ID`` (tree, scopes, jobs, incidents, first history page),
  ``GET .../history`` (first page, a deep page, one inner instance's events), ``GET .../tree``;
* the HTML page ``GET /instances/ID`` for a logged-in user, end to end.

Target: the page and its history endpoint under 300 ms. Usage:
``python -m bench.instance_page_bench [--regions N] [--polls P] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher

from bench.measurement import median_ms
from engine.accounts import Accounts
from engine.engine import Engine
from engine.handlers import HandlerSet, JobContext, RetryLater
from engine.worker import WorkerPool
from webui.app import create_app

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 300.0


def run_regions(engine: Engine, regions: int, polls: int) -> str:
    """Start one instance over ``regions`` regions and run it until only the last tenth still wait."""
    names = [f"region-{n:04d}" for n in range(regions)]
    waiting = set(names[regions - max(1, regions // 10) :])
    instance = engine.start("database-creation-c8", {"regions": names, "dbName": "orders"})

    def create(job: JobContext) -> dict[str, Any]:
        region = str(job.variables["region"])
        if region in waiting and job.attempt >= polls:
            raise RetryLater(3600, "the region's database is still being created")
        if job.attempt <= polls:
            raise RetryLater(0, f"poll {job.attempt} of {polls}")
        return {"regionDatabase": {"region": region, "name": f"orders-{region}"}}

    pool = WorkerPool(engine, HandlerSet({"create-database": create}), concurrency=4, poll_interval_s=0.01)
    try:
        pool.run_until_idle(max_wait_s=1.0)
    finally:
        pool.stop(timeout_s=5)
    return instance.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--regions", type=int, default=1_000)
    parser.add_argument("--polls", type=int, default=7, help="polls per region before it completes")
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="steadyflow-bench-") as tmp:
        db_path = Path(tmp) / "steadyflow.db"
        engine = Engine.open(f"sqlite:///{db_path}", data_dir=tmp)
        engine.deploy_paths([ROOT / "examples" / "database-creation-c8.bpmn"])
        started = time.perf_counter()
        instance_id = run_regions(engine, args.regions, args.polls)
        raw = sqlite3.connect(db_path)
        events = raw.execute("SELECT count(*) FROM events WHERE instance_id = ?", (instance_id,)).fetchone()[0]
        tasks = raw.execute("SELECT count(*) FROM tasks WHERE instance_id = ?", (instance_id,)).fetchone()[0]
        print(
            f"{args.regions:,} regions run in {time.perf_counter() - started:.1f} s: "
            f"{events:,} history events, {tasks:,} task rows, state {engine.instance(instance_id).state}"
        )

        def baseline() -> None:
            raw.execute("SELECT * FROM tasks WHERE instance_id = ?", (instance_id,)).fetchall()
            raw.execute(
                "SELECT * FROM events WHERE instance_id = ? ORDER BY seq DESC LIMIT 100", (instance_id,)
            ).fetchall()

        accounts = Accounts(engine.db, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        accounts.add_user("bench", "viewer", "bench-password")
        client = create_app(engine, accounts=accounts).test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/login", data={"username": "bench", "password": "bench-password", "csrf_token": token})

        def get(path: str) -> Callable[[], None]:
            def work() -> None:
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)

            return work

        api = f"/api/v1/instances/{instance_id}"
        tree = client.get(f"{api}/tree").get_json()["tree"]
        body = next(n for n in tree["children"] if n["kind"] == "multi-instance body")
        inner = body["children"][len(body["children"]) // 2]
        assert sum(1 for n in body["children"] if n["state"] == "active") == max(1, args.regions // 10)
        cases: list[tuple[str, Callable[[], Any]]] = [
            ("baseline: raw sqlite3 task rows + 100 events", baseline),
            ("restoring the workflow (Engine.view)", lambda: engine.view(instance_id)),
            ("API: instance detail", get(api)),
            ("API: history, newest 100", get(f"{api}/history")),
            ("API: history, page before seq 500", get(f"{api}/history?before=500")),
            (f"API: history of {inner['label']}", get(f"{api}/history?task={inner['id']}")),
            ("API: activity tree", get(f"{api}/tree")),
            ("HTML /instances/ID", get(f"/instances/{instance_id}")),
        ]
        print(f"\n{'case':<52}{'median ms':>12}{'x baseline':>12}")
        results = {name: median_ms(work, args.repeat) for name, work in cases}
        base = results[cases[0][0]]
        for name, ms in results.items():
            print(f"{name:<52}{ms:>12.1f}{ms / base:>12.1f}")
        for name in ("HTML /instances/ID", "API: history, newest 100"):
            ms = results[name]
            print(f"{name}: {ms:.1f} ms, {'within' if ms < TARGET_MS else 'OVER'} the {TARGET_MS:.0f} ms target")
        raw.close()
        engine.close()


if __name__ == "__main__":
    main()

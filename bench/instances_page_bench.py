"""How fast is the instances page with 100,000 instances, next to the bare SQL it needs?

Builds a temporary SQLite database (WAL, as ``steadyflow serve`` uses it) with
N instances (default 100,000) of the Camunda 7 example: a few real ones
started through the engine, the rest cloned from them with plain sqlite3
(states, business keys, start times and a ``database`` variable varied), then
measures, as the median of several runs:

* baseline: the same page with hand-written sqlite3 (one SELECT ... LIMIT 50
  and one COUNT(*)), no SQLAlchemy, no Flask: the floor;
* API query: ``Queries.instance_page`` (what ``GET /api/v1/instances`` runs);
* HTML page: ``GET /instances`` rendered by Flask for a logged-in user, end to end;
* the same for filtered, sorted and deep pages, and a variable-value filter.

Target: the instances page under 300 ms. Usage:
``python -m bench.instances_page_bench [--instances N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import random
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
from engine.queries import Queries, variable_hash
from webui.app import create_app

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 300.0
STATES = ["completed"] * 80 + ["running"] * 12 + ["cancelled"] * 5 + ["failed"] * 3


def populate(db_path: Path, engine: Engine, count: int) -> None:
    templates = [engine.start("database-creation", {"database": f"seed{n}"}).id for n in range(3)]
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    instance = dict(conn.execute("SELECT * FROM instances WHERE id = ?", (templates[0],)).fetchone())
    task = dict(
        conn.execute(
            "SELECT * FROM tasks WHERE instance_id = ? AND data LIKE ? LIMIT 1", (templates[0], '%"database"%')
        ).fetchone()
    )
    old_hash = variable_hash("seed0")
    rng = random.Random(7)
    now = time.time()
    instances, tasks = [], []
    for n in range(count - len(templates)):
        started = now - rng.uniform(0, 30 * 86400)
        state = rng.choice(STATES)
        row = dict(instance)
        row.update(
            id=f"bench-{n:08d}",
            business_key=f"REQ-{n:06d}",
            state=state,
            started_at=started,
            updated_at=started + 5,
            ended_at=started + 5 if state != "running" else None,
            open_incidents=1 if state == "running" and n % 7 == 0 else 0,
        )
        instances.append(row)
        t = dict(task)
        t.update(instance_id=row["id"], data=task["data"].replace(old_hash, variable_hash(f"db{n}")))
        tasks.append(t)
    with conn:
        for table, rows in (("instances", instances), ("tasks", tasks)):
            columns = list(rows[0])
            conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                [tuple(r[c] for c in columns) for r in rows],
            )
    conn.execute("ANALYZE")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="steadyflow-bench-") as tmp:
        db_path = Path(tmp) / "steadyflow.db"
        engine = Engine.open(f"sqlite:///{db_path}", data_dir=tmp)
        engine.deploy_paths([ROOT / "examples" / "database-creation.bpmn"])
        started = time.perf_counter()
        populate(db_path, engine, args.instances)
        size_mb = db_path.stat().st_size / 1e6
        print(f"{args.instances:,} instances written in {time.perf_counter() - started:.1f} s ({size_mb:.0f} MB)")
        queries = Queries(engine)
        raw = sqlite3.connect(db_path)

        def baseline() -> None:
            raw.execute(
                "SELECT id, definition_key, business_key, state, started_at, ended_at FROM instances "
                "ORDER BY started_at DESC LIMIT 50"
            ).fetchall()
            raw.execute("SELECT count(*) FROM instances").fetchone()

        accounts = Accounts(engine.db, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        accounts.add_user("bench", "viewer", "bench-password")
        client = create_app(engine, accounts=accounts).test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/login", data={"username": "bench", "password": "bench-password", "csrf_token": token})

        def html(query: str) -> Callable[[], None]:
            def get() -> None:
                response = client.get("/instances" + query)
                assert response.status_code == 200, response.status_code

            return get

        cases: list[tuple[str, Callable[[], Any]]] = [
            ("baseline: raw sqlite3 page + count", baseline),
            ("API query: first page + total", lambda: queries.instance_page()),
            ("HTML /instances: first page", html("")),
            ("HTML: state=running, process filter", html("?state=running&key=database-creation")),
            ("HTML: state=incident", html("?state=incident")),
            ("HTML: business key prefix REQ-0999", html("?business_key=REQ-0999")),
            ("HTML: sorted by business key, asc", html("?sort=business_key&order=asc")),
            ("HTML: page 1,000 (offset 49,950)", html("?page=1000")),
            ('HTML: variable database = "db77777"', html("?var_name=database&var_value=db77777")),
        ]
        print(f"\n{'case':<44}{'median ms':>12}{'x baseline':>12}")
        results = {}
        for name, work in cases:
            results[name] = median_ms(work, args.repeat)
        base = results[cases[0][0]]
        for name, ms in results.items():
            print(f"{name:<44}{ms:>12.1f}{ms / base:>12.1f}")
        page_ms = results["HTML /instances: first page"]
        verdict = "within" if page_ms < TARGET_MS else "OVER"
        print(f"\ninstances page: {page_ms:.1f} ms, {verdict} the {TARGET_MS:.0f} ms target")
        raw.close()
        engine.close()


if __name__ == "__main__":
    main()

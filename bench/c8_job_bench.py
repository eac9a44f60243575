"""Camunda 8 job round trips (activate + complete via /v2) beside Camunda 7 external tasks, with 1, 4, 16 workers.

Each worker is a thread with its own HTTP connection. On the /v2 path it
repeats ``POST /v2/jobs/activation`` (one job, no long poll) then
``POST /v2/jobs/{key}/completion``; on the /engine-rest path ``fetchAndLock``
then ``complete`` (``bench.external_task_bench``). Both run against a real
``steadyflow serve`` on a fresh database with the same pre-started instances,
in the same run, so the ratio /v2 : /engine-rest compares like with like.

Usage: ``python -m bench.c8_job_bench [--quick] [--tasks N] [--workers 1,4,16] [--pg URL] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from bench.external_task_bench import PASSWORD, ROOT, TOPIC, USER, database, prepare, serve
from bench.external_task_bench import work as rest_work

DEFAULT_JSON = ROOT / "bench" / "results" / "c8_job_bench.json"
Worker = Callable[[str, str, threading.Barrier, list[float], list[str]], None]


def c8_work(url: str, worker_id: str, go: threading.Barrier, latencies: list[float], errors: list[str]) -> None:
    """Activate one job, complete it, repeat until nothing is left."""
    body = {"type": TOPIC, "worker": worker_id, "timeout": 60_000, "maxJobsToActivate": 1, "requestTimeout": -1}
    with httpx.Client(base_url=f"{url}/v2", auth=(USER, PASSWORD), timeout=60) as client:
        client.get("/topology").raise_for_status()  # warm up: the connection and the password check
        go.wait()
        while True:
            started = time.perf_counter()
            activated = client.post("/jobs/activation", json=body)
            if activated.status_code != 200:
                errors.append(f"activation {activated.status_code}: {activated.text[:200]}")
                return
            jobs = activated.json()["jobs"]
            if not jobs:
                return
            done = client.post(f"/jobs/{jobs[0]['jobKey']}/completion", json={})
            if done.status_code != 204:
                errors.append(f"completion {done.status_code}: {done.text[:200]}")
                return
            latencies.append(time.perf_counter() - started)


PATHS: dict[str, Worker] = {"/engine-rest": rest_work, "/v2": c8_work}


def measure(path: str, workers: int, tasks: int, pg_base: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="sf-c8bench-") as tmp, database(Path(tmp), pg_base) as db_url:
        data_dir = Path(tmp)
        prepare(data_dir, db_url, tasks)
        process, url = serve(data_dir, db_url)
        try:
            latencies: list[float] = []
            errors: list[str] = []
            go = threading.Barrier(workers + 1)
            threads = [
                threading.Thread(target=PATHS[path], args=(url, f"w{i}", go, latencies, errors)) for i in range(workers)
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
        raise SystemExit(f"{path}, {workers} workers: {errors[0]}")
    if len(latencies) != tasks:
        raise SystemExit(f"{path}, {workers} workers completed {len(latencies)} of {tasks} jobs")
    return {
        "path": path,
        "workers": workers,
        "tasks": tasks,
        "seconds": round(elapsed, 3),
        "round_trips_per_s": round(tasks / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p95_ms": round(sorted(latencies)[int(len(latencies) * 0.95) - 1] * 1000, 2),
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.c8_job_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tiny run (seconds), for smoke tests")
    parser.add_argument("--tasks", type=int, default=None, help="jobs per run (default 600; --quick: 40)")
    parser.add_argument("--workers", default="1,4,16", help="comma-separated worker counts (default 1,4,16)")
    parser.add_argument("--pg", default=None, metavar="URL", help="run on fresh PostgreSQL databases under URL")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help=f"where to write results ({DEFAULT_JSON})")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    tasks = args.tasks or (40 if args.quick else 600)
    counts = [int(c) for c in args.workers.split(",") if c.strip()]
    results = [measure(path, count, tasks, args.pg) for count in counts for path in PATHS]
    store = "PostgreSQL" if args.pg else "SQLite"
    print(f"job round trips (activate/fetchAndLock + complete), {tasks} per run, {store}, steadyflow serve")
    print(f"{'workers':>8} {'path':>12} {'round trips/s':>14} {'p50 ms':>8} {'p95 ms':>8} {'v2 : rest':>10}")
    rest_rates = {r["workers"]: r["round_trips_per_s"] for r in results if r["path"] == "/engine-rest"}
    for row in results:
        base = rest_rates.get(row["workers"]) or 0.0
        ratio = row["round_trips_per_s"] / base if base else 0.0
        row["ratio_vs_engine_rest"] = round(ratio, 2)
        print(
            f"{row['workers']:>8} {row['path']:>12} {row['round_trips_per_s']:>14.1f} {row['p50_ms']:>8.2f} "
            f"{row['p95_ms']:>8.2f} {ratio:>9.2f}x"
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps({"quick": args.quick, "store": store, "results": results}, indent=2) + "\n", encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

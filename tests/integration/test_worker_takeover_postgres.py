"""On PostgreSQL with four worker processes, a SIGKILLed worker's jobs run again elsewhere within seconds.

Default configuration throughout: the jobs' locks last 300 s, so only worker liveness can
hand them over this fast.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.engine import Engine
from tests.conftest import deploy
from tests.integration.worker_processes import start_worker, stop_all, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.xdist_group("postgres-heavy")]
WORKERS = 4
TAKEN_OVER_WITHIN_S = 15.0


def _worker_id(log: Path) -> str | None:
    found = re.search(r"worker (\S+) serving", log.read_text()) if log.exists() else None
    return found.group(1) if found else None


def test_a_killed_workers_jobs_run_elsewhere_within_seconds_with_default_locks(
    make_engine: Callable[..., Engine], db_url: str, tmp_path: Path
) -> None:
    engine = make_engine()
    deploy(engine, "database-creation-c8.bpmn")
    logs = [tmp_path / f"worker{slot}.log" for slot in range(WORKERS)]
    env = {"STEADYFLOW_DEMO_DELAY_S": "1.5"}
    workers: list[subprocess.Popen[bytes]] = [
        start_worker(db_url, tmp_path / "data", "--concurrency", "4", env=env, log_path=log) for log in logs
    ]
    try:
        wait_until(lambda: all(_worker_id(log) for log in logs), timeout_s=60, what="four workers serving")
        ids = {slot: _worker_id(log) for slot, log in enumerate(logs)}
        for n in range(16):
            engine.start("database-creation-c8", {"database": f"db{n}", "regions": ["eu", "us", "ap"]})

        def held_by(owner: str | None) -> list[str]:
            return [job.id for job in engine.store_jobs() if job.lock_owner == owner]

        wait_until(lambda: len(held_by(ids[0])) >= 2, timeout_s=30, what="worker 0 holding jobs")
        held = held_by(ids[0])
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(timeout=10)
        killed_at = time.monotonic()

        def running_elsewhere() -> bool:
            jobs = {job.id: job for job in engine.store_jobs()}
            return all(job_id not in jobs or jobs[job_id].lock_owner not in (None, ids[0]) for job_id in held)

        wait_until(running_elsewhere, timeout_s=TAKEN_OVER_WITHIN_S, what="the killed worker's jobs to run elsewhere")
        print(f"takeover: {len(held)} jobs running elsewhere {time.monotonic() - killed_at:.1f} s after the kill")
    finally:
        stop_all(workers)

"""The long-running worker pool: it claims ahead of quick handlers, and gives back what it never started."""

from __future__ import annotations

import threading

from engine.engine import Engine
from engine.handlers import HandlerSet, JobContext
from engine.worker import WorkerPool
from tests.conftest import deploy
from tests.integration.worker_processes import wait_until

REGIONS = [f"r{n}" for n in range(6)]


def test_stopping_gives_back_claimed_jobs_no_handler_started_with_their_attempt(engine: Engine) -> None:
    deploy(engine, "database-creation-c8.bpmn")
    instance = engine.start("database-creation-c8", {"database": "orders", "regions": REGIONS})
    release = threading.Event()
    started: list[str] = []

    def slow(job: JobContext) -> dict[str, str]:
        started.append(job.job_id)
        release.wait(10)
        return {}

    pool = WorkerPool(engine, HandlerSet({"create-database": slow}), concurrency=1, poll_interval_s=0.02)
    pool.start()
    try:
        wait_until(
            lambda: sum(j.lock_owner is not None for j in engine.store_jobs(instance_id=instance.id)) == len(REGIONS),
            timeout_s=10,
            what="the pool to claim every region ahead of its one thread",
        )
        assert len(started) == 1
        stopper = threading.Thread(target=pool.stop, kwargs={"timeout_s": 10})
        stopper.start()
        wait_until(
            lambda: sum(j.lock_owner is not None for j in engine.store_jobs(instance_id=instance.id)) == 1,
            timeout_s=10,
            what="the queued jobs to be given back while the running one finishes",
        )
        release.set()
        stopper.join(10)
    finally:
        release.set()
        pool.stop(timeout_s=1)

    jobs = {j.id: j for j in engine.store_jobs(instance_id=instance.id)}
    assert started[0] not in jobs, "the running job finished and was recorded"
    assert [(j.lock_owner, j.attempt) for j in jobs.values()] == [(None, 0)] * (len(REGIONS) - 1)

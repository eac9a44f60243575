"""The long-running worker pool: it claims ahead of quick handlers, and gives back what it never started."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from bpmn.clock import ManualClock
from engine.engine import Engine
from engine.handlers import HandlerSet, JobContext
from engine.worker import WorkerPool
from tests.conftest import deploy, history_types
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
        wait_until(lambda: len(started) == 1, timeout_s=10, what="the one handler thread to start its first job")
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


def test_until_idle_records_quick_results_while_slow_jobs_of_the_same_claim_run(engine: Engine) -> None:
    deploy(engine, "database-creation-c8.bpmn")
    instance = engine.start("database-creation-c8", {"database": "orders", "regions": ["fast", "slow"]})

    def create(job: JobContext) -> dict[str, str]:
        if job.variables["region"] == "slow":
            wait_until(
                lambda: "JobCompleted" in history_types(engine, instance.id, "Activity_CreateDatabase"),
                timeout_s=10,
                what="the quick region's result to be recorded while this one still runs",
            )
        return {}

    pool = WorkerPool(engine, HandlerSet({"create-database": create, "create-replication": lambda job: {}}))
    stats = pool.run_until_idle(max_wait_s=1)
    pool.stop(timeout_s=1)

    assert (stats.completed, stats.failed) == (3, 0)
    assert engine.instance(instance.id).state == "completed"


def test_until_idle_keeps_the_lock_of_a_job_that_outlasts_it(engine: Engine) -> None:
    deploy(engine, "database-creation-c8.bpmn")
    instance = engine.start("database-creation-c8", {"database": "orders", "regions": ["eu"]})
    taken_by_others: list[int] = []

    def create(job: JobContext) -> dict[str, str]:
        time.sleep(4.5)  # the lock is 3 s: only the heartbeat (every second) keeps it
        taken_by_others.append(len(engine.claim_jobs("intruder", ["create-database"], max_jobs=5)))
        return {}

    pool = WorkerPool(engine, HandlerSet({"create-database": create, "create-replication": lambda job: {}}), lock_s=3)
    stats = pool.run_until_idle(max_wait_s=1)
    pool.stop(timeout_s=1)

    assert taken_by_others == [0]
    assert (stats.completed, stats.failed) == (2, 0)
    assert engine.instance(instance.id).state == "completed"


def test_until_idle_on_a_manual_clock_returns_when_the_next_timer_is_ahead_of_it(
    make_engine: Callable[..., Engine],
) -> None:
    # The timer's due time is on the engine's clock, which stands still: waiting for it on the machine's clock
    # (as the pool once did) spun until the test timed out.
    clock = ManualClock()
    engine = make_engine(cache_capacity=0, clock=clock)
    deploy(engine, "intermediate-timer.bpmn")
    instance = engine.start("intermediate-timer", {"wait": "PT0.4S"})
    pool = WorkerPool(engine, HandlerSet({"after": lambda job: {}}), concurrency=1, poll_interval_s=0.02)
    done = threading.Thread(target=pool.run_until_idle, kwargs={"max_wait_s": 0.5}, daemon=True)

    done.start()
    done.join(timeout=60)
    pool.stop(timeout_s=1)

    assert not done.is_alive()
    assert engine.instance(instance.id).state == "running"  # the clock never reached the timer
    clock.advance(0.4)
    pool = WorkerPool(engine, HandlerSet({"after": lambda job: {}}), concurrency=1, poll_interval_s=0.02)
    stats = pool.run_until_idle(max_wait_s=0)
    pool.stop(timeout_s=1)
    assert (stats.timers_fired, stats.completed) == (1, 1)
    assert engine.instance(instance.id).state == "completed"

"""Worker liveness on a real database: dead pools' jobs are taken over, live pools' and external locks are kept."""

from __future__ import annotations

import dataclasses
import subprocess
import time
from collections.abc import Iterator

import pytest

from engine import liveness
from engine.engine import Engine
from engine.liveness import WorkerRegistration, host_identity, process_start
from engine.store import workers as store
from engine.store.workers import WorkerRow
from tests.conftest import deploy

LONG_LOCK_S = 300.0


def _gone_pid() -> int:
    """The pid of a process that has exited (reuse within the test is practically impossible)."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def _register(engine: Engine, worker_id: str, *, host: str | None, pid: int, beat_ago_s: float) -> None:
    assert host is not None, "these tests need /proc for a host identity"
    with engine.db.write() as conn:
        now = store.database_now(conn)
        store.heartbeat(conn, WorkerRow(worker_id, host, pid, now - 600, now), now - beat_ago_s)


def _locked_jobs(engine: Engine, owner: str, count: int) -> list[str]:
    deploy(engine, "engine/regions-with-abort.bpmn")
    engine.start("regions-with-abort", {"regions": [f"r{n}" for n in range(count)]})
    return [job.id for job in engine.claim_jobs(owner, ["create"], max_jobs=count, lock_s=LONG_LOCK_S)]


def _owners(engine: Engine) -> set[str | None]:
    return {job.lock_owner for job in engine.store_jobs()}


def _registration(engine: Engine, worker_id: str = "sweeper") -> WorkerRegistration:
    return WorkerRegistration(engine.db, worker_id, heartbeat_s=60.0, timeout_s=10.0)


def test_jobs_of_a_worker_whose_heartbeat_stopped_are_claimable_again_despite_a_long_lock(engine: Engine) -> None:
    _register(engine, "dead-remote", host="other-host", pid=1, beat_ago_s=30)
    jobs = _locked_jobs(engine, "dead-remote", 3)

    assert _registration(engine).beat() == 3

    assert sorted(j.id for j in engine.claim_jobs("survivor", ["create"], max_jobs=10)) == sorted(jobs)
    with engine.db.read() as conn:
        assert "dead-remote" not in {row.id for row in store.workers(conn)}


def test_a_restarted_process_takes_over_a_killed_predecessor_on_its_host_at_once(engine: Engine) -> None:
    _register(engine, "killed", host=host_identity(), pid=_gone_pid(), beat_ago_s=0.5)
    _locked_jobs(engine, "killed", 2)

    registration = _registration(engine, "restarted")
    registration.start()
    try:
        assert registration.taken_over == 2
        assert _owners(engine) == {None}
    finally:
        registration.stop()


def test_a_live_worker_keeps_its_jobs(engine: Engine) -> None:
    _register(engine, "alive-remote", host="other-host", pid=_gone_pid(), beat_ago_s=2)
    _locked_jobs(engine, "alive-remote", 2)

    assert _registration(engine).beat() == 0

    assert _owners(engine) == {"alive-remote"}
    assert engine.claim_jobs("thief", ["create"], max_jobs=10) == []


def test_an_external_clients_lock_is_kept_until_it_expires(engine: Engine) -> None:
    _locked_jobs(engine, "camunda-external-worker", 2)  # a fetchAndLock workerId: never registered

    assert _registration(engine).beat() == 0

    assert _owners(engine) == {"camunda-external-worker"}


def test_a_graceful_stop_deregisters_and_a_forgotten_worker_registers_again_on_its_next_beat(engine: Engine) -> None:
    registration = _registration(engine, "pool-1")
    registration.start()
    with engine.db.write() as conn:  # as a sweeper does with a worker it took for dead
        store.forget(conn, ["pool-1"])
    registration.beat()
    with engine.db.read() as conn:
        assert "pool-1" in {row.id for row in store.workers(conn)}

    registration.stop()

    with engine.db.read() as conn:
        assert "pool-1" not in {row.id for row in store.workers(conn)}


@pytest.fixture
def neighbour() -> Iterator[subprocess.Popen[bytes]]:
    """Another live process on this host, standing in for a pool of another ``serve``."""
    child = subprocess.Popen(["sleep", "120"])
    try:
        yield child
    finally:
        child.kill()
        child.wait()


def test_a_live_pool_of_this_host_keeps_its_jobs_however_late_its_heartbeat(
    engine: Engine, neighbour: subprocess.Popen[bytes]
) -> None:
    # as when a 2,500-task start holds SQLite's write lock and the neighbour's heartbeat waits
    here = f"{host_identity()}#{process_start(neighbour.pid)}"
    _register(engine, "blocked-neighbour", host=here, pid=neighbour.pid, beat_ago_s=3600)
    _locked_jobs(engine, "blocked-neighbour", 2)

    assert _registration(engine).beat() == 0

    assert _owners(engine) == {"blocked-neighbour"}


def test_a_pool_whose_pid_another_process_reused_is_taken_over_at_once(
    engine: Engine, neighbour: subprocess.Popen[bytes]
) -> None:
    started = process_start(neighbour.pid)
    assert started is not None
    earlier = str(int(started) - 1)  # the pool's process started earlier; the pid is now the neighbour's
    _register(engine, "reused-pid", host=f"{host_identity()}#{earlier}", pid=neighbour.pid, beat_ago_s=0.5)
    _locked_jobs(engine, "reused-pid", 2)

    assert _registration(engine).beat() == 2

    assert _owners(engine) == {None}


def test_a_heartbeat_from_a_host_whose_clock_is_behind_is_judged_by_the_database_clock(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    behind = _registration(engine, "late-clock")
    behind.host = None  # judged as another host would judge it: by its heartbeat alone
    behind.row = dataclasses.replace(behind.row, host="remote-host")
    real_time = time.time
    monkeypatch.setattr(liveness.time, "time", lambda: real_time() - 60)
    behind.beat()
    monkeypatch.setattr(liveness.time, "time", real_time)  # the sweeper's clock is right
    _locked_jobs(engine, "late-clock", 2)

    assert _registration(engine).beat() == 0

    assert _owners(engine) == {"late-clock"}

"""SIGTERM to a real ``steadyflow worker`` mid-job: it stops claiming, finishes or releases its jobs, exits 0."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.engine import Engine
from service_tasks.region_store import read_creations
from tests.conftest import deploy, history_types
from tests.integration.worker_processes import start_worker, steadyflow, stop_all, wait_until

pytestmark = pytest.mark.slow
REGIONS = ["eu", "us"]


def _locked(engine: Engine, instance_id: str) -> list[str]:
    return [j.id for j in engine.store_jobs(instance_id=instance_id) if j.lock_owner is not None]


def _start(make_engine: Callable[..., Engine]) -> tuple[Engine, str]:
    engine = make_engine()
    deploy(engine, "database-creation-c8.bpmn")
    return engine, engine.start("database-creation-c8", {"database": "orders", "regions": REGIONS}).id


def test_sigterm_lets_running_jobs_finish_and_claims_nothing_new(
    make_engine: Callable[..., Engine], db_url: str, tmp_path: Path
) -> None:
    engine, instance_id = _start(make_engine)
    data_dir = tmp_path / "data"
    worker = start_worker(
        db_url, data_dir, "--concurrency", "4", env={"STEADYFLOW_DEMO_DELAY_S": "2"}, log_path=tmp_path / "w.log"
    )
    try:
        wait_until(lambda: len(_locked(engine, instance_id)) == 2, timeout_s=60, what="both creations to be claimed")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0, (tmp_path / "w.log").read_text()
    finally:
        stop_all([worker])

    assert history_types(engine, instance_id, "Activity_CreateDatabase").count("JobCompleted") == 2
    assert {c["region"] for c in read_creations(data_dir)} == set(REGIONS)
    [replication] = engine.store_jobs(instance_id=instance_id)
    assert replication.element_id == "Activity_CreateReplication"
    assert (replication.lock_owner, replication.attempt) == (None, 0), "a stopping worker claimed a new job"


def test_sigterm_releases_jobs_still_running_after_the_grace_period(
    make_engine: Callable[..., Engine], db_url: str, tmp_path: Path
) -> None:
    engine, instance_id = _start(make_engine)
    data_dir = tmp_path / "data"
    slow = {"STEADYFLOW_DEMO_DELAY_S": "60"}
    worker = start_worker(db_url, data_dir, "--grace", "0.5", env=slow, log_path=tmp_path / "w.log")
    try:
        wait_until(lambda: len(_locked(engine, instance_id)) == 2, timeout_s=60, what="both creations to be claimed")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0, (tmp_path / "w.log").read_text()
    finally:
        stop_all([worker])

    jobs = engine.store_jobs(instance_id=instance_id)
    assert [(j.lock_owner, j.lock_expires_at, j.attempt, j.retries_left) for j in jobs] == [(None, None, 1, 3)] * 2
    assert "released" in (tmp_path / "w.log").read_text()

    finished = steadyflow(db_url, data_dir, "worker", "--until-idle", "--max-wait", "10")
    assert finished.returncode == 0, finished.stderr
    assert engine.instance(instance_id).state == "completed"
    assert sorted(c["region"] for c in read_creations(data_dir)) == sorted(REGIONS)

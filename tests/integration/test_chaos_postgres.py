"""Chaos: 500 instances on PostgreSQL, four worker processes, one SIGKILLed every few seconds and replaced.

The Camunda 8 example fans out over five regions. Handlers fail at random
(``STEADYFLOW_DEMO_FAILURE_RATE``). Locks keep their default length (300 s): the
surviving workers and the replacement take over a killed worker's jobs because its
process is gone (worker liveness), not because its locks expire. At the end every instance has
completed, each region database was created exactly once (one line per real
creation in the shared ``creations.log``), every join fired once, every history
is numbered without gaps, and no job is left, let alone locked.

The failure rate is 0.5 %: with the model's ``retries="3"`` an incident needs
three failures in a row (p = 1.25e-7 per job, about 0.04 % per run of 3,000
jobs), while about 15 retries show that failures do happen.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.engine import Engine
from engine.store import schema as t
from engine.store.gauges import read_gauges
from service_tasks.region_store import read_creations
from tests.conftest import deploy
from tests.integration.worker_processes import start_worker, stop_all, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.xdist_group("postgres-heavy")]
INSTANCES = 500
REGIONS = ["istanbul", "ankara", "izmir", "bursa", "antalya"]
WORKERS = 4
WORKER_ENV = {"STEADYFLOW_DEMO_FAILURE_RATE": "0.005", "STEADYFLOW_DEMO_DELAY_S": "0.05"}
KILL_EVERY_S = (2.0, 4.0)
FINISH_WITHIN_S = 170.0
"""A ceiling for the whole run, not a goal: it usually takes well under half of this."""


class Killer(threading.Thread):
    """Every few seconds: SIGKILL a random worker and start a replacement in its slot."""

    def __init__(self, spawn: Callable[[int], subprocess.Popen[bytes]], logs: list[Path]) -> None:
        super().__init__(name="killer", daemon=True)
        self.spawn = spawn
        self.logs = logs
        self.serving_before = [0] * WORKERS
        """'serving' lines in each slot's log when its latest worker was started (the dead ones print no more)."""
        self.workers = [spawn(slot) for slot in range(WORKERS)]
        self.retired: list[subprocess.Popen[bytes]] = []
        self.kills = 0
        self.done = threading.Event()
        self.lock = threading.Lock()

    def run(self) -> None:
        while not self.done.wait(random.uniform(*KILL_EVERY_S)):
            with self.lock:
                slot = random.randrange(WORKERS)
                victim = self.workers[slot]
                victim.send_signal(signal.SIGKILL)
                victim.wait(timeout=30)
                self.retired.append(victim)
                self.kills += 1
                self.serving_before[slot] = self._serving(slot)
                self.workers[slot] = self.spawn(slot)

    def _serving(self, slot: int) -> int:
        log = self.logs[slot]
        return log.read_text().count(" serving ") if log.exists() else 0

    def all_serving(self) -> bool:
        """Every slot's latest worker has started: it printed its 'serving' line."""
        return all(self._serving(slot) > self.serving_before[slot] for slot in range(WORKERS))

    def stop(self) -> list[subprocess.Popen[bytes]]:
        self.done.set()
        self.join(timeout=60)
        with self.lock:
            return list(self.workers)


def _all_completed(engine: Engine) -> bool:
    return read_gauges(engine.db, time.time()).instances_by_state["completed"] == INSTANCES


def test_killed_workers_lose_nothing_and_duplicate_nothing(
    make_engine: Callable[..., Engine], db_url: str, tmp_path: Path
) -> None:
    engine = make_engine()
    deploy(engine, "database-creation-c8.bpmn")
    data_dir = tmp_path / "data"  # shared by every worker: one regions/ folder, one creations.log
    started = time.monotonic()

    logs = [tmp_path / f"worker{slot}.log" for slot in range(WORKERS)]

    def spawn(slot: int) -> subprocess.Popen[bytes]:
        return start_worker(db_url, data_dir, "--concurrency", "4", env=WORKER_ENV, log_path=logs[slot])

    killer = Killer(spawn, logs)
    killer.start()
    try:
        ids = [
            engine.start("database-creation-c8", {"database": f"db{n}", "regions": REGIONS}).id
            for n in range(INSTANCES)
        ]
        remaining = FINISH_WITHIN_S - (time.monotonic() - started)
        wait_until(lambda: _all_completed(engine), timeout_s=remaining, what="all instances", interval_s=0.5)
        survivors = killer.stop()
        wait_until(killer.all_serving, timeout_s=60, what="the last replacements to start")
        for worker in survivors:
            worker.send_signal(signal.SIGTERM)
        assert [w.wait(timeout=60) for w in survivors] == [0] * WORKERS, "a worker did not stop cleanly"
    finally:
        killer.done.set()
        stop_all([*killer.workers, *killer.retired])

    assert killer.kills >= 3, "the killer must have struck several times during the run"
    _assert_each_region_created_once(data_dir, ids)
    _assert_joins_fired_once_and_histories_have_no_gaps(engine)
    with engine.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(t.jobs)).scalar() == 0, "a job was left behind"
        assert conn.execute(select(func.count()).select_from(t.incidents)).scalar() == 0
    failures, taken_over = _job_attempts(engine)
    print(f"chaos: {killer.kills} workers killed, {failures} handler failures, {taken_over} jobs taken over")
    assert failures > 0, "no handler failed: the failure knob did not act"
    assert taken_over > 0, "no kill interrupted a job"


def _job_attempts(engine: Engine) -> tuple[int, int]:
    """Handler failures, and jobs that needed more attempts than their failures explain (a kill took one)."""
    e = t.events.c
    with engine.db.read() as conn:
        rows = conn.execute(select(e.job_id, e.type, e.data).where(e.type.in_(["JobFailed", "JobCompleted"]))).all()
    failures = Counter(job_id for job_id, kind, _ in rows if kind == "JobFailed")
    completed = {job_id: json.loads(data)["attempt"] for job_id, kind, data in rows if kind == "JobCompleted"}
    return sum(failures.values()), sum(1 for job_id, attempt in completed.items() if attempt > failures[job_id] + 1)


def _assert_each_region_created_once(data_dir: Path, ids: list[str]) -> None:
    per_database = Counter((c["instance_id"], c["region"], c["database"]) for c in read_creations(data_dir))
    databases = {instance_id: f"db{n}" for n, instance_id in enumerate(ids)}
    assert {(i, r) for i, r, _ in per_database} == {(i, r) for i in ids for r in REGIONS}, "a creation is missing"
    assert all(database == databases[i] for i, _, database in per_database)
    assert set(per_database.values()) == {1}, "a region database was created twice"


def _assert_joins_fired_once_and_histories_have_no_gaps(engine: Engine) -> None:
    e = t.events.c
    with engine.db.read() as conn:
        numbering = conn.execute(
            select(e.instance_id, func.count(), func.min(e.seq), func.max(e.seq), t.instances.c.event_seq)
            .join(t.instances, t.instances.c.id == e.instance_id)
            .group_by(e.instance_id, t.instances.c.event_seq)
        ).all()
        joins = conn.execute(
            select(e.instance_id, e.element_id, e.type, func.count())
            .where(e.element_id.in_(["Activity_CreateDatabase", "Activity_CreateReplication"]))
            .where(e.type.in_(["ActivityCompleted", "ActivityActivated"]))
            .group_by(e.instance_id, e.element_id, e.type)
        ).all()
    assert len(numbering) == INSTANCES
    gaps = [row for row in numbering if not (row[1] == row[3] == row[4] and row[2] == 1)]
    assert gaps == [], "a history has gaps or duplicates"
    expected = {
        ("Activity_CreateDatabase", "ActivityActivated"): len(REGIONS) + 1,  # the body and one per region
        ("Activity_CreateDatabase", "ActivityCompleted"): len(REGIONS) + 1,
        ("Activity_CreateReplication", "ActivityActivated"): 1,  # the join after the fan-out fired once
        ("Activity_CreateReplication", "ActivityCompleted"): 1,
    }
    instances_per_count: Counter[tuple[str, str]] = Counter()
    for instance_id, element, kind, count in joins:
        assert count == expected[(element, kind)], f"{instance_id}: {element} {kind} {count} times"
        instances_per_count[(element, kind)] += 1
    assert instances_per_count == dict.fromkeys(expected, INSTANCES)

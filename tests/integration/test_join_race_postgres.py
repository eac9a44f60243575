"""50 threads, each with its own engine, complete the branches of 200 parallel joins at the same moment.

On PostgreSQL the step takes the instance row with ``SELECT ... FOR UPDATE``;
each join must fire exactly once and keep every branch's variables. Jobs are
dealt so that the eight branches of a join go to eight different threads in
the same round, and a barrier starts every round on every thread at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from engine.engine import Engine
from engine.store.records import JobRecord
from tests.conftest import deploy

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.xdist_group("postgres-heavy")]
THREADS = 50
JOINS = 200
BRANCHES = 8


def _rounds(jobs: list[JobRecord]) -> list[list[JobRecord]]:
    """Round r holds THREADS jobs; in it thread t completes the t-th (branches of one join sit side by side)."""
    ordered = sorted(jobs, key=lambda job: (job.instance_id, job.element_id))
    return [ordered[start : start + THREADS] for start in range(0, len(ordered), THREADS)]


def test_each_of_200_joins_fires_once_when_50_threads_complete_branches_together(
    make_engine: Callable[..., Engine],
) -> None:
    setup = make_engine()
    deploy(setup, "wide-join.bpmn")
    instances = [setup.start("wide-join", {"n": n}).id for n in range(JOINS)]
    jobs = setup.claim_jobs("racer", ["branch"], max_jobs=JOINS * BRANCHES + 1)
    assert len(jobs) == JOINS * BRANCHES
    rounds = _rounds(jobs)

    engines = [make_engine() for _ in range(THREADS)]  # separate caches and locks, as separate processes have
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def complete(thread: int) -> None:
        engine = engines[thread]
        for jobs_of_round in rounds:
            barrier.wait(timeout=300)
            if thread < len(jobs_of_round):
                job = jobs_of_round[thread]
                try:
                    variables = {f"branch_{job.element_id}": True}
                    engine.complete_job(job.id, variables, worker_id="racer", instance_id=job.instance_id)
                except BaseException as exc:  # noqa: BLE001 - reported below
                    errors.append(exc)

    threads = [threading.Thread(target=complete, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)

    assert errors == []
    after_jobs = [job for job in setup.store_jobs() if job.element_id == "After"]
    assert sorted(job.instance_id for job in after_jobs) == sorted(instances), "a join fired twice or never"
    for instance_id in instances:
        view = setup.view(instance_id)
        joins = [e for e in view.history if e["element_id"] == "Join" and e["type"] == "ActivityCompleted"]
        assert len(joins) == 1
        assert all(view.variables.get(f"branch_Branch{i}") is True for i in range(BRANCHES)), "a branch was lost"
        seqs = [e["seq"] for e in view.history]
        assert seqs == list(range(1, len(seqs) + 1))

"""Branches of a parallel join completed at the same moment, from separate engines, fire the join once."""

from __future__ import annotations

import threading
from typing import Any

from engine.engine import Engine
from tests.conftest import deploy, history_types

BRANCHES = 8


def test_join_fires_once_when_branches_complete_together(make_engine: Any) -> None:
    setup = make_engine()
    deploy(setup, "wide-join.bpmn")
    instances = [setup.start("wide-join", {"n": i}).id for i in range(3)]
    jobs = setup.claim_jobs("racer", ["branch"], max_jobs=100)
    assert len(jobs) == BRANCHES * len(instances)

    # One engine per thread: separate caches and in-process locks, as separate processes would have.
    engines: list[Engine] = [make_engine() for _ in range(BRANCHES)]
    barrier = threading.Barrier(BRANCHES)
    errors: list[BaseException] = []

    def complete(worker: int) -> None:
        mine = [job for index, job in enumerate(jobs) if index % BRANCHES == worker]
        barrier.wait()
        try:
            for job in mine:
                engines[worker].complete_job(job.id, {f"branch_{job.element_id}": True}, worker_id="racer")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=complete, args=(w,)) for w in range(BRANCHES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    for instance_id in instances:
        assert history_types(setup, instance_id, "Join").count("ActivityCompleted") == 1
        after_jobs = [j for j in setup.store_jobs(instance_id=instance_id) if j.element_id == "After"]
        assert len(after_jobs) == 1
        variables = setup.view(instance_id).variables
        assert all(variables.get(f"branch_Branch{i}") is True for i in range(BRANCHES)), "a branch was lost"

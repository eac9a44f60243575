"""Concurrent starts share one transaction; a start that fails in a group runs again alone (SQLite, PostgreSQL)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from engine.engine import Engine
from engine.instance_cache import LiveInstance
from engine.instance_operations import new_instance_row
from engine.spiff.checkpoint import Persisted
from engine.spiff.restore import new_workflow
from engine.start_commits import StartRequest
from engine.step_core import StepContext
from engine.store.records import InstanceRecord
from steadyflow.errors import InvalidInputError
from tests.conftest import deploy, run_jobs

KEY = "database-creation-c8"


def hold_the_next_lone_start(engine: Engine) -> tuple[threading.Event, threading.Event]:
    """The next start that commits alone waits inside its commit until released: the others queue behind it."""
    commits = engine.steps.start_commits
    alone = commits._commit_alone
    held, release = threading.Event(), threading.Event()

    def holding(request: StartRequest) -> InstanceRecord:
        if not held.is_set():
            held.set()
            assert release.wait(10)
        return alone(request)

    commits._commit_alone = holding
    return held, release


def in_threads(calls: list[Callable[[], Any]]) -> list[threading.Thread]:
    threads = [threading.Thread(target=call) for call in calls]
    for thread in threads:
        thread.start()
    return threads


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the starts never queued"
        time.sleep(0.001)


def refused_start(engine: Engine) -> StartRequest:
    """A start of the example whose first step raises, as a bad start event would."""
    definition = engine.definitions.resolve(KEY)
    model = engine.definitions.model(definition)
    row = new_instance_row(str(uuid.uuid4()), definition, "refused", engine.definitions.clock.now())

    def make_live() -> LiveInstance:
        workflow = new_workflow(model.spec, model.subprocess_specs, script_engine=engine.definitions.script_engine)
        return LiveInstance(workflow, Persisted(), 0)

    def trigger(ctx: StepContext) -> None:
        raise InvalidInputError("this start is refused by the test")

    return StartRequest(row, make_live, trigger)


def test_starts_queued_behind_a_commit_are_written_in_one_transaction_and_run_to_completion(engine: Engine) -> None:
    deploy(engine, "database-creation-c8.bpmn")
    held, release = hold_the_next_lone_start(engine)
    started: dict[str, InstanceRecord] = {}

    def start(name: str, regions: list[str]) -> Callable[[], None]:
        return lambda: started.__setitem__(name, engine.start(KEY, {"regions": regions}, business_key=name))

    threads = in_threads([start("first", ["eu"])])
    assert held.wait(10)
    threads += in_threads([start(f"queued-{i}", [f"r{i}", f"s{i}"]) for i in range(5)])
    wait_until(lambda: engine.steps.start_commits.queued == 5)
    release.set()
    for thread in threads:
        thread.join(10)

    commits = engine.steps.start_commits
    assert (commits.groups, commits.grouped_starts, commits.alone_retries) == (1, 5, 0)
    assert sorted(started) == ["first", *(f"queued-{i}" for i in range(5))]
    assert all(record.version == 1 for record in started.values())
    assert engine.variables(started["queued-3"].id)["regions"] == ["r3", "s3"]
    assert len(engine.store_jobs(instance_id=started["queued-3"].id)) == 2, "one job per region"
    run_jobs(engine, {"create-database": lambda job: None, "create-replication": lambda job: None})
    assert {engine.instance(r.id).state for r in started.values()} == {"completed"}


def test_a_start_that_fails_inside_a_group_is_retried_alone_and_the_others_commit_once(engine: Engine) -> None:
    deploy(engine, "database-creation-c8.bpmn")
    held, release = hold_the_next_lone_start(engine)
    answers: dict[str, Any] = {}

    def start(name: str) -> Callable[[], None]:
        return lambda: answers.__setitem__(name, engine.start(KEY, {"regions": ["eu"]}, business_key=name).id)

    def start_refused() -> None:
        try:
            engine.steps.start_commits.start(refused_start(engine))
        except InvalidInputError as exc:
            answers["refused"] = exc

    threads = in_threads([start("first")])
    assert held.wait(10)
    threads += in_threads([start("a"), start_refused, start("b")])
    wait_until(lambda: engine.steps.start_commits.queued == 3)
    release.set()
    for thread in threads:
        thread.join(10)

    assert "refused by the test" in str(answers["refused"])
    assert engine.steps.start_commits.alone_retries == 3
    kept = engine.instances(definition_key=KEY, limit=10)
    assert sorted(i.business_key or "" for i in kept) == ["a", "b", "first"], "each committed once, none refused"
    assert {answers[name] for name in ("a", "b", "first")} == {i.id for i in kept}

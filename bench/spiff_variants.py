"""Variants (a) SpiffWorkflow alone in memory and (b) SpiffWorkflow persisted by hand.

(b) is what people write by hand, given the same group commit as steadyflow: the
starts come from the same client threads as (c)'s and go through steadyflow's own
start group commit (``engine.start_commits``: the starts that queue while one group
commits are inserted in the next transaction), then job completions are taken in
batches as big as steadyflow's worker pool would claim (``engine.worker.claim_size``,
fed with the same moving average of handler time); each batch runs its steps, then
serializes each workflow it touched once with SpiffWorkflow's ``BpmnWorkflowSerializer``
and writes them all in one transaction (``executemany``). So (b) and (c) differ in what
they store, not in how often they commit.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections import deque
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from bench.disk_usage import DiskUsage, durability
from bench.measurement import (
    CLIENTS,
    EXAMPLE,
    PROCESS_ID,
    Measurement,
    expected_steps,
    from_clients,
    start_variables,
)
from bench.spiff_serializer import deserialize, make_serializer
from bpmn.parser import ProcessModel, parse_model
from bpmn.script_engine import ExpressionEngine
from bpmn.specs import JobTask
from engine.config import EngineConfig
from engine.spiff.runtime import complete_job_task, set_start_variables
from engine.start_commits import StartCommits, StartRequest
from engine.worker import claim_size

SCRIPTS = ExpressionEngine()


def new_workflow(model: ProcessModel) -> Any:
    """SpiffWorkflow's own workflow class: what its serializer knows, and what "SpiffWorkflow alone" means."""
    return BpmnWorkflow(model.spec, model.subprocess_specs, script_engine=SCRIPTS)


LOCK_S = EngineConfig(data_dir=Path(".")).job_lock_s
"""The job lock a steadyflow pool claims with by default; claim_size depends on it."""


def load_model() -> ProcessModel:
    return parse_model(EXAMPLE.read_bytes(), EXAMPLE.name).processes[PROCESS_ID]


def started_jobs(workflow: Any) -> list[Any]:
    return [t for t in workflow.get_tasks(state=TaskState.STARTED) if isinstance(t.task_spec, JobTask)]


def _noop_handler() -> None:
    return None


# -- (a) -------------------------------------------------------------------------
def run_spiff(model: ProcessModel, instances: int, regions: int) -> Measurement:
    """Every step as in (b), with nothing written anywhere."""
    steps = 0
    started = time.perf_counter()
    for i in range(instances):
        workflow = new_workflow(model)
        set_start_variables(workflow, start_variables(i, regions))
        workflow.do_engine_steps()
        steps += 1
        while not workflow.is_completed():
            jobs = started_jobs(workflow)
            if not jobs:
                raise RuntimeError("the workflow waits for something other than a job; the benchmark cannot drive it")
            for task in jobs:
                _noop_handler()
                complete_job_task(task, {})
                workflow.do_engine_steps()
                steps += 1
    return Measurement("a", instances, regions, steps, time.perf_counter() - started, 0)


# -- (b) -------------------------------------------------------------------------
def open_sqlite(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)  # one group leader at a time
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS workflow (id TEXT PRIMARY KEY, serialization TEXT NOT NULL)")
    return conn


def _no(*args: Any) -> Any:
    raise AssertionError("(b) runs its first step before it queues the start")


def run_hand_written(
    model: ProcessModel, instances: int, regions: int, workdir: Path, clients: int = CLIENTS
) -> Measurement:
    serializer = make_serializer()
    path = workdir / f"by-hand-{uuid.uuid4().hex[:8]}.db"
    conn = open_sqlite(path)
    mode, sync = durability(conn)
    disk = DiskUsage(path)
    workflows: dict[str, Any] = {}
    queue: deque[tuple[str, Any]] = deque()
    queued: set[Any] = set()
    steps = commits = 0
    handler_s: float | None = None
    batches: list[int] = []
    try:
        disk.start()
        started = time.perf_counter()
        lock = threading.Lock()  # the client threads' own bookkeeping (ids, the job queue)

        def commit(requests: list[StartRequest[str]]) -> None:
            nonlocal commits
            rows = [(r.row["id"], serializer.serialize_json(r.row["workflow"])) for r in requests]
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT INTO workflow (id, serialization) VALUES (?, ?)", rows)
            conn.execute("COMMIT")
            commits += 1
            for r in requests:
                r.result = r.row["id"]

        def commit_alone(request: StartRequest[str]) -> str:
            commit([request])
            return str(request.row["id"])

        start_commits: StartCommits[str] = StartCommits(commit, commit_alone)

        def start(i: int) -> None:
            nonlocal steps
            workflow = new_workflow(model)
            set_start_variables(workflow, start_variables(i, regions))
            workflow.do_engine_steps()
            instance_id = start_commits.start(StartRequest({"id": str(uuid.uuid4()), "workflow": workflow}, _no, _no))
            with lock:
                steps += 1
                workflows[instance_id] = workflow
                _enqueue_new_jobs(instance_id, workflow, queue, queued)

        from_clients(instances, clients, start)
        while queue:
            size = min(len(queue), claim_size(1, handler_s, LOCK_S))
            batch = [queue.popleft() for _ in range(size)]
            touched: dict[str, Any] = {}
            for instance_id, task in batch:
                handler_started = time.perf_counter()
                _noop_handler()
                took = time.perf_counter() - handler_started
                handler_s = took if handler_s is None else 0.8 * handler_s + 0.2 * took  # as WorkerPool._observe
                workflow = workflows[instance_id]
                complete_job_task(task, {})
                workflow.do_engine_steps()
                steps += 1
                touched[instance_id] = workflow
            rows = [(serializer.serialize_json(w), instance_id) for instance_id, w in touched.items()]
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("UPDATE workflow SET serialization = ? WHERE id = ?", rows)
            conn.execute("COMMIT")
            commits += 1
            batches.append(size)
            for instance_id, workflow in touched.items():
                _enqueue_new_jobs(instance_id, workflow, queue, queued)
        elapsed = time.perf_counter() - started
        disk.stop()
    finally:
        conn.close()
    unfinished = [i for i, w in workflows.items() if not w.is_completed()]
    if unfinished:
        raise RuntimeError(f"(b) left {len(unfinished)} of {instances} workflows unfinished")
    extra = {
        "journal_mode": mode,
        "synchronous": sync,
        "largest_batch": max(batches, default=0),
        "clients": clients,
        "start_groups": start_commits.groups,
        "grouped_starts": start_commits.grouped_starts,
    }
    m = Measurement("b", instances, regions, steps, elapsed, disk.written, disk.stored, commits, extra)
    if steps != instances * expected_steps(regions):
        raise RuntimeError(f"(b) counted {steps} steps, expected {instances * expected_steps(regions)}")
    return m


def _enqueue_new_jobs(instance_id: str, workflow: Any, queue: deque[tuple[str, Any]], queued: set[Any]) -> None:
    for task in started_jobs(workflow):
        if task.id not in queued:
            queued.add(task.id)
            queue.append((instance_id, task))


def verify_hand_written(model: ProcessModel, regions: int, workdir: Path) -> dict[str, Any]:
    """Prove (b)'s bytes are real: store mid-run, read back, deserialize, finish the restored workflow."""
    serializer = make_serializer()
    conn = open_sqlite(workdir / "verify-by-hand.db")
    try:
        workflow = new_workflow(model)
        set_start_variables(workflow, start_variables(0, regions))
        workflow.do_engine_steps()
        complete_job_task(started_jobs(workflow)[0], {})
        workflow.do_engine_steps()
        conn.execute(
            "INSERT INTO workflow (id, serialization) VALUES (?, ?)", ("v", serializer.serialize_json(workflow))
        )
        (text,) = conn.execute("SELECT serialization FROM workflow WHERE id = 'v'").fetchone()
    finally:
        conn.close()
    restored = deserialize(serializer, text)
    same_states = sorted((str(t.id), t.state) for t in restored.get_tasks()) == sorted(
        (str(t.id), t.state) for t in workflow.get_tasks()
    )
    steps = 0
    while not restored.is_completed():
        jobs = started_jobs(restored)
        if not jobs or steps > regions + 2:
            break
        for task in jobs:
            complete_job_task(task, {})
            restored.do_engine_steps()
            steps += 1
    completed = bool(restored.is_completed())
    outputs = restored.data.get("regionDatabases")
    ok = same_states and completed and isinstance(outputs, list) and len(outputs) == regions
    return {
        "deserialized": True,
        "bytes": len(text),
        "same_task_states": same_states,
        "restored_ran_to_completion": completed,
        "ok": ok,
    }


__all__ = ["load_model", "run_hand_written", "run_spiff", "verify_hand_written"]

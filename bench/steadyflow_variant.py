"""Variant (c), steadyflow end to end, and a profile of where its time goes.

Deploy, start every instance, then run every job through the real job path
(claim, handler, group-committed completion) on a fresh SQLite file.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import tempfile
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench.disk_usage import DiskUsage
from bench.measurement import CLIENTS, EXAMPLE, PROCESS_ID, ROOT, Measurement, from_clients, start_variables
from engine.config import EngineConfig
from engine.engine import Engine
from engine.handlers import HandlerSet, JobContext
from engine.worker import WorkerPool

STEADYFLOW_DIRS = tuple(str(ROOT / d) + os.sep for d in ("bpmn", "engine", "steadyflow", "service_tasks"))


def _noop(job: JobContext) -> Mapping[str, Any] | None:
    return None


class InlineExecutor(Executor):
    """Runs submitted work in the caller's thread, so cProfile sees the whole job path."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed back through the future, like a real executor
            future.set_exception(exc)
        return future


def run_steadyflow(
    instances: int,
    regions: int,
    workdir: Path,
    *,
    clients: int = CLIENTS,
    profiler: cProfile.Profile | None = None,
) -> Measurement:
    """Run (c), the starts from ``clients`` threads at once; with ``profiler``, jobs run inline in this
    thread and only the timed part is profiled."""
    tmp = Path(tempfile.mkdtemp(prefix="sf-", dir=workdir))
    db_path = tmp / "sf.db"
    engine = Engine(EngineConfig(data_dir=tmp, db_url=f"sqlite:///{db_path}"))
    try:
        engine.deploy([(EXAMPLE.name, EXAMPLE.read_bytes())])
        with engine.db.engine.connect() as conn:  # a pooled connection: the pragmas every step runs under
            mode = str(conn.exec_driver_sql("PRAGMA journal_mode").scalar())
            sync = int(conn.exec_driver_sql("PRAGMA synchronous").scalar() or 0)
        commits = 0

        def count_commit(conn: Any) -> None:
            nonlocal commits
            if conn.get_execution_options().get("steadyflow_begin") == "IMMEDIATE":  # writes only, as Database.write
                commits += 1

        handlers = HandlerSet({"create-database": _noop, "create-replication": _noop})
        pool = WorkerPool(engine, handlers, concurrency=1, poll_interval_s=0.01)
        if profiler is not None:
            pool._executor.shutdown()
            pool._executor = InlineExecutor()  # type: ignore[assignment]
        steps_before = engine.steps.steps
        disk = DiskUsage(db_path)
        disk.start()
        event.listen(engine.db.engine, "commit", count_commit)
        try:
            if profiler is not None:
                profiler.enable()
            started = time.perf_counter()
            from_clients(instances, clients, lambda i: engine.start(PROCESS_ID, start_variables(i, regions)))
            stats = pool.run_until_idle(max_wait_s=1)
            elapsed = time.perf_counter() - started
            if profiler is not None:
                profiler.disable()
        finally:
            pool.stop(timeout_s=1.0)
            event.remove(engine.db.engine, "commit", count_commit)
        disk.stop()
        steps = engine.steps.steps - steps_before
        completed = len(engine.instances(state="completed", limit=instances + 1))
        if completed != instances:
            raise RuntimeError(f"steadyflow completed {completed} of {instances} instances")
        extra = {
            "journal_mode": mode,
            "synchronous": sync,
            "jobs_completed": stats.completed,
            "jobs_failed": stats.failed,
            "cache_hits": engine.cache.hits,
            "cache_misses": engine.cache.misses,
            "clients": clients,
            "start_groups": engine.steps.start_commits.groups,
            "grouped_starts": engine.steps.start_commits.grouped_starts,
        }
        return Measurement("c", instances, regions, steps, elapsed, disk.written, disk.stored, commits, extra)
    finally:
        engine.close()


AREAS: tuple[tuple[str, str], ...] = (
    (f"{ROOT}/engine/spiff/checkpoint", "our checkpoint (engine/spiff/checkpoint.py)"),
    (f"{ROOT}/engine/spiff/codec", "our JSON codec (engine/spiff/codec.py)"),
    (f"{ROOT}/engine/spiff/", "our Spiff adapter (rest of engine/spiff)"),
    (f"{ROOT}/engine/store/", "our store (engine/store: SQL, rows)"),
    (f"{ROOT}/engine/", "our engine (steps, worker, jobs, ...)"),
    (f"{ROOT}/bpmn/", "our bpmn specs and expressions"),
    ("/SpiffWorkflow/", "SpiffWorkflow"),
    ("/sqlalchemy/", "SQLAlchemy (Python side)"),
    ("/json/", "json (stdlib)"),
    ("/copy.py", "copy.deepcopy (stdlib)"),
)


def _area(key: tuple[str, int, str]) -> str:
    """Which part of the stack a profiled function's own time belongs to."""
    file, _line, name = key
    if file == "~":  # a C function: named by what it is a method of
        if "sqlite3" in name:
            return "sqlite3 commit (fsync)" if "commit" in name else "sqlite3 C calls (execute, fetch)"
        if "json" in name:
            return "json (stdlib)"
        if "acquire" in name or "sleep" in name or "wait" in name:
            return "waits (locks, sleep)"
        return "other C built-ins"
    for fragment, label in AREAS:
        if fragment in file:
            return label
    return "other Python (stdlib, threads)"


def profile_steadyflow(instances: int, regions: int, workdir: Path, top: int = 15) -> dict[str, Any]:
    """cProfile (c) with jobs run inline in the main thread: own time by area, and steadyflow's top functions.

    Comprehension and lambda frames are left out of the function list: they only repeat their enclosing
    function. Own (``tottime``) times add up to the whole run, so the areas say where a step's time goes.
    """
    profiler = cProfile.Profile()
    measured = run_steadyflow(instances, regions, workdir, clients=1, profiler=profiler)  # cProfile sees one thread
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    areas: dict[str, float] = {}
    for key, value in raw.items():
        areas[_area(key)] = areas.get(_area(key), 0.0) + value[2]
    total = sum(areas.values())
    ours = [
        (key, value)
        for key, value in raw.items()
        if key[0].startswith(STEADYFLOW_DIRS) and not key[2].startswith(("<listcomp>", "<lambda>", "<genexpr>"))
    ]
    ours.sort(key=lambda kv: kv[1][3], reverse=True)
    per_step_ms = 1000.0 / measured.steps if measured.steps else 0.0
    return {
        "steps": measured.steps,
        "total_s": round(total, 4),
        "areas": [
            {"area": name, "own_s": round(s, 4), "share": round(s / total, 4), "ms_per_step": round(s * per_step_ms, 4)}
            for name, s in sorted(areas.items(), key=lambda kv: kv[1], reverse=True)
        ],
        "functions": [
            {
                "function": f"{Path(file).relative_to(ROOT)}:{line}({name})",
                "calls": value[1],
                "cumulative_s": round(value[3], 4),
                "own_s": round(value[2], 4),
            }
            for (file, line, name), value in ours[:top]
        ],
    }


__all__ = ["InlineExecutor", "profile_steadyflow", "run_steadyflow"]

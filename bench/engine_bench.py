"""How fast is steadyflow next to SpiffWorkflow alone, and next to persisting it by hand?

Runs the Camunda 8 example ``examples/database-creation-c8.bpmn`` (a parallel
multi-instance service task over ``=regions``, then one more service task) with
no-op job handlers, three ways, in one process:

(a) SpiffWorkflow alone, in memory: no persistence at all (the ceiling);
(b) what people write by hand: after every step, serialize the whole workflow
    with SpiffWorkflow's ``BpmnWorkflowSerializer`` and UPDATE one SQLite row
    per instance (WAL, synchronous=FULL, one commit per step);
(c) steadyflow end to end: deploy, start, and run every job through the real
    job path (claim, handler, complete) on a fresh SQLite file.

A "step" is one trigger: the start, or one job completion, each followed by
running the engine to the next wait (what steadyflow commits as one step).

Then (b) and (c) run one instance with a growing collection (10, 100, 1000
regions) to show how bytes and time per step scale with instance size.

Usage: ``python -m bench.engine_bench [--quick] [--instances N] [--regions N] [--profile]``.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from SpiffWorkflow.util.task import TaskState

from bench.spiff_serializer import deserialize, make_serializer
from bpmn.parser import ProcessModel, parse_model
from bpmn.script_engine import ExpressionEngine
from bpmn.specs import JobTask
from engine.config import EngineConfig
from engine.engine import Engine
from engine.handlers import HandlerSet, JobContext
from engine.spiff.restore import new_workflow
from engine.spiff.runtime import complete_job_task, set_start_variables
from engine.worker import WorkerPool

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "database-creation-c8.bpmn"
PROCESS_ID = "database-creation-c8"
SCRIPTS = ExpressionEngine()
DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "engine_bench.json"
STEADYFLOW_DIRS = tuple(str(ROOT / d) + os.sep for d in ("bpmn", "engine", "steadyflow", "service_tasks"))

VARIANTS = {
    "a": "(a) SpiffWorkflow alone, in memory",
    "b": "(b) by hand: Spiff serializer + SQLite",
    "c": "(c) steadyflow end to end",
}
TARGET_C_OVER_A = 0.5
TARGET_C_OVER_B = 1.5
TARGET_BYTES_GROWTH = 2.0


@dataclass
class Measurement:
    """One timed run of one variant."""

    variant: str
    instances: int
    regions: int
    steps: int
    seconds: float
    bytes_written: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def instances_per_s(self) -> float:
        return self.instances / self.seconds if self.seconds > 0 else float("inf")

    @property
    def steps_per_s(self) -> float:
        return self.steps / self.seconds if self.seconds > 0 else float("inf")

    @property
    def ms_per_step(self) -> float:
        return 1000.0 * self.seconds / self.steps if self.steps else 0.0

    @property
    def bytes_per_step(self) -> float:
        return self.bytes_written / self.steps if self.steps else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "variant": self.variant,
            "label": VARIANTS[self.variant],
            "instances": self.instances,
            "regions": self.regions,
            "steps": self.steps,
            "seconds": round(self.seconds, 6),
            "bytes_written": self.bytes_written,
            "instances_per_s": round(self.instances_per_s, 3),
            "steps_per_s": round(self.steps_per_s, 3),
            "ms_per_step": round(self.ms_per_step, 4),
            "bytes_per_step": round(self.bytes_per_step, 1),
            **self.extra,
        }


# -- shared ----------------------------------------------------------------------
def load_model() -> ProcessModel:
    return parse_model(EXAMPLE.read_bytes(), EXAMPLE.name).processes[PROCESS_ID]


def start_variables(index: int, regions: int) -> dict[str, Any]:
    return {"database": f"db{index}", "regions": [f"region-{r}" for r in range(regions)]}


def expected_steps(regions: int) -> int:
    """Start, one completion per region, one for create-replication."""
    return 1 + regions + 1


def drive(workflow: Any, variables: dict[str, Any], after_step: Callable[[], None]) -> int:
    """Run one workflow to its end with no-op job handlers; ``after_step`` runs after every step."""
    set_start_variables(workflow, variables)
    workflow.do_engine_steps()
    steps = 1
    after_step()
    while not workflow.is_completed():
        started = [t for t in workflow.get_tasks(state=TaskState.STARTED) if isinstance(t.task_spec, JobTask)]
        if not started:
            raise RuntimeError("the workflow waits for something other than a job; the benchmark cannot drive it")
        for task in started:
            complete_job_task(task, {})
            workflow.do_engine_steps()
            steps += 1
            after_step()
    return steps


# -- (a) SpiffWorkflow alone -----------------------------------------------------
def run_spiff(model: ProcessModel, instances: int, regions: int) -> Measurement:
    def nothing() -> None:
        return None

    steps = 0
    started = time.perf_counter()
    for i in range(instances):
        workflow = new_workflow(model.spec, model.subprocess_specs, script_engine=SCRIPTS)
        steps += drive(workflow, start_variables(i, regions), nothing)
    elapsed = time.perf_counter() - started
    return Measurement("a", instances, regions, steps, elapsed, 0)


# -- (b) by hand: whole-workflow serialization into SQLite -----------------------
def _open_sqlite(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS workflow (id TEXT PRIMARY KEY, serialization TEXT NOT NULL)")
    return conn


def run_hand_written(model: ProcessModel, instances: int, regions: int, workdir: Path) -> Measurement:
    serializer = make_serializer()
    conn = _open_sqlite(workdir / f"by-hand-{uuid.uuid4().hex[:8]}.db")
    written = 0
    steps = 0
    try:
        started = time.perf_counter()
        for i in range(instances):
            workflow = new_workflow(model.spec, model.subprocess_specs, script_engine=SCRIPTS)
            instance_id = str(uuid.uuid4())
            conn.execute("BEGIN")
            conn.execute("INSERT INTO workflow (id, serialization) VALUES (?, '')", (instance_id,))
            conn.execute("COMMIT")

            def persist(workflow: Any = workflow, instance_id: str = instance_id) -> None:
                nonlocal written
                text = serializer.serialize_json(workflow)
                written += len(text.encode("utf-8"))
                conn.execute("BEGIN")
                conn.execute("UPDATE workflow SET serialization = ? WHERE id = ?", (text, instance_id))
                conn.execute("COMMIT")

            steps += drive(workflow, start_variables(i, regions), persist)
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    return Measurement("b", instances, regions, steps, elapsed, written)


def verify_hand_written(model: ProcessModel, regions: int, workdir: Path) -> dict[str, Any]:
    """Prove (b)'s bytes are real: store mid-run, read back, deserialize, finish the restored workflow."""
    serializer = make_serializer()
    conn = _open_sqlite(workdir / "verify-by-hand.db")
    try:
        workflow = new_workflow(model.spec, model.subprocess_specs, script_engine=SCRIPTS)
        set_start_variables(workflow, start_variables(0, regions))
        workflow.do_engine_steps()
        first = next(t for t in workflow.get_tasks(state=TaskState.STARTED) if isinstance(t.task_spec, JobTask))
        complete_job_task(first, {})
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
        started = [t for t in restored.get_tasks(state=TaskState.STARTED) if isinstance(t.task_spec, JobTask)]
        if not started or steps > regions + 2:
            break
        for task in started:
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


# -- (c) steadyflow --------------------------------------------------------------
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


def run_steadyflow(instances: int, regions: int, workdir: Path, *, inline: bool = False) -> Measurement:
    tmp = Path(tempfile.mkdtemp(prefix="sf-", dir=workdir))
    engine = Engine(EngineConfig(data_dir=tmp, db_url=f"sqlite:///{tmp}/sf.db"))
    try:
        engine.deploy([(EXAMPLE.name, EXAMPLE.read_bytes())])
        handlers = HandlerSet({"create-database": _noop, "create-replication": _noop})
        pool = WorkerPool(engine, handlers, concurrency=1, poll_interval_s=0.01)
        if inline:
            pool._executor.shutdown()
            pool._executor = InlineExecutor()  # type: ignore[assignment]
        steps_before, bytes_before = engine.steps.steps, engine.steps.bytes_written
        try:
            started = time.perf_counter()
            for i in range(instances):
                engine.start(PROCESS_ID, start_variables(i, regions))
            stats = pool.run_until_idle(max_wait_s=1)
            elapsed = time.perf_counter() - started
        finally:
            pool.stop(timeout_s=1.0)
        steps = engine.steps.steps - steps_before
        written = engine.steps.bytes_written - bytes_before
        completed = len(engine.instances(state="completed", limit=instances + 1))
        if completed != instances:
            raise RuntimeError(f"steadyflow completed {completed} of {instances} instances")
        extra = {
            "jobs_completed": stats.completed,
            "jobs_failed": stats.failed,
            "cache_hits": engine.cache.hits,
            "cache_misses": engine.cache.misses,
            "db_bytes": _db_size(tmp / "sf.db"),
        }
        return Measurement("c", instances, regions, steps, elapsed, written, extra)
    finally:
        engine.close()


def _db_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())


def profile_steadyflow(instances: int, regions: int, workdir: Path, top: int = 10) -> list[dict[str, Any]]:
    """cProfile (c) with jobs run inline in the main thread; the top functions of steadyflow's own code.

    Comprehension and lambda frames are left out: they only repeat their enclosing function.
    """
    profiler = cProfile.Profile()
    profiler.enable()
    run_steadyflow(instances, regions, workdir, inline=True)
    profiler.disable()
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    ours = [
        (key, value)
        for key, value in raw.items()
        if key[0].startswith(STEADYFLOW_DIRS) and not key[2].startswith(("<listcomp>", "<lambda>", "<genexpr>"))
    ]
    ours.sort(key=lambda kv: kv[1][3], reverse=True)
    return [
        {
            "function": f"{Path(file).relative_to(ROOT)}:{line}({name})",
            "calls": value[1],
            "cumulative_s": round(value[3], 4),
            "own_s": round(value[2], 4),
        }
        for (file, line, name), value in ours[:top]
    ]


# -- reporting -------------------------------------------------------------------
def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("inf")


def print_throughput(results: Sequence[Measurement], out: Callable[[str], None]) -> None:
    out(f"{'variant':<42} {'instances/s':>12} {'steps/s':>10} {'ms/step':>9} {'bytes/step':>11} {'steps':>7} {'s':>8}")
    for m in results:
        out(
            f"{VARIANTS[m.variant]:<42} {m.instances_per_s:>12.1f} {m.steps_per_s:>10.1f} {m.ms_per_step:>9.3f} "
            f"{m.bytes_per_step:>11.0f} {m.steps:>7} {m.seconds:>8.3f}"
        )


def print_sizes(rows: Sequence[Measurement], out: Callable[[str], None]) -> None:
    out(f"{'regions':>8} {'variant':<42} {'steps':>6} {'ms/step':>9} {'bytes/step':>11} {'total s':>8}")
    for m in rows:
        out(
            f"{m.regions:>8} {VARIANTS[m.variant]:<42} {m.steps:>6} {m.ms_per_step:>9.3f} "
            f"{m.bytes_per_step:>11.0f} {m.seconds:>8.3f}"
        )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.engine_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tiny run (seconds), for smoke tests")
    parser.add_argument("--instances", type=int, default=None, help="instances per variant (default 200)")
    parser.add_argument("--regions", type=int, default=None, help="regions per instance (default 5)")
    parser.add_argument(
        "--sizes", type=str, default=None, help="comma-separated region counts for the size series (10,100,1000)"
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help=f"where to write results ({DEFAULT_JSON})")
    parser.add_argument("--profile", action="store_true", help="also cProfile (c) and list steadyflow's top functions")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    instances = args.instances if args.instances is not None else (4 if args.quick else 200)
    regions = args.regions if args.regions is not None else (3 if args.quick else 5)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([10, 20, 40] if args.quick else [10, 100, 1000])
    if instances < 1 or regions < 0 or not sizes or min(sizes) < 1:
        print("need --instances >= 1, --regions >= 0 and region sizes >= 1", file=sys.stderr)
        return 2

    def out(line: str = "") -> None:
        print(line, flush=True)

    bench_started = time.perf_counter()
    model = load_model()
    out(f"steadyflow engine benchmark: {EXAMPLE.relative_to(ROOT)} ({PROCESS_ID}), no-op job handlers")
    out(
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs; SQLite {sqlite3.sqlite_version} (WAL, synchronous=FULL)"
    )
    out(f"throughput run: {instances} instances x {regions} regions = {expected_steps(regions)} steps per instance")
    out()

    with tempfile.TemporaryDirectory(prefix="steadyflow-bench-") as tmp_name:
        workdir = Path(tmp_name)
        # Warm up every variant once (imports, parser and expression caches, SQLite files).
        warm_instances = min(instances, 5)
        run_spiff(model, warm_instances, regions)
        run_hand_written(model, warm_instances, regions, workdir)
        run_steadyflow(warm_instances, regions, workdir)

        results = [
            run_spiff(model, instances, regions),
            run_hand_written(model, instances, regions, workdir),
            run_steadyflow(instances, regions, workdir),
        ]
        a, b, c = results
        verification = verify_hand_written(model, regions=max(regions, 1), workdir=workdir)

        out("== throughput ==")
        print_throughput(results, out)
        out()
        c_over_a = _ratio(c.instances_per_s, a.instances_per_s)
        c_over_b = _ratio(c.instances_per_s, b.instances_per_s)
        out(
            f"ratio c/a (instances/s, steadyflow / SpiffWorkflow in memory) = {c_over_a:.3f}   "
            f"target >= {TARGET_C_OVER_A}   {_verdict(c_over_a >= TARGET_C_OVER_A)}"
        )
        out(
            f"ratio c/b (instances/s, steadyflow / by-hand serialize+SQLite) = {c_over_b:.3f}   "
            f"target >= {TARGET_C_OVER_B}   {_verdict(c_over_b >= TARGET_C_OVER_B)}"
        )
        if c.steps != a.steps:
            out(f"note: steadyflow counted {c.steps} steps where the in-memory loop counted {a.steps}")
        out(
            f"(b) round trip: stored {verification['bytes']} bytes mid-run, deserialized, same task states: "
            f"{verification['same_task_states']}, restored workflow ran to completion: "
            f"{verification['restored_ran_to_completion']}"
        )
        out()

        # One instance with a growing collection: (a) as the floor, (b) and (c) compared.
        size_rows: list[Measurement] = []
        for n in sizes:
            size_rows.append(run_spiff(model, 1, n))
            size_rows.append(run_hand_written(model, 1, n, workdir))
            size_rows.append(run_steadyflow(1, n, workdir))
        out("== one instance, growing multi-instance collection ==")
        print_sizes(size_rows, out)
        out()
        c_rows = {m.regions: m for m in size_rows if m.variant == "c"}
        b_rows = {m.regions: m for m in size_rows if m.variant == "b"}
        small, large = min(sizes), max(sizes)
        growth = _ratio(c_rows[large].bytes_per_step, c_rows[small].bytes_per_step)
        b_growth = _ratio(b_rows[large].bytes_per_step, b_rows[small].bytes_per_step)
        time_growth = _ratio(c_rows[large].ms_per_step, c_rows[small].ms_per_step)
        out(
            f"ratio c bytes/step({large})/bytes/step({small}) = {growth:.3f}   "
            f"target <= {TARGET_BYTES_GROWTH}   {_verdict(growth <= TARGET_BYTES_GROWTH)}"
        )
        out(f"ratio b bytes/step({large})/bytes/step({small}) = {b_growth:.3f}   (for comparison)")
        out(f"ratio c ms/step({large})/ms/step({small}) = {time_growth:.3f}   (informational)")

        profile: list[dict[str, Any]] = []
        if args.profile:
            profile = profile_steadyflow(min(instances, 50), regions, workdir)
            out()
            out(f"== cProfile of (c), {min(instances, 50)} instances, jobs inline: top steadyflow functions ==")
            out(f"{'cumulative s':>12} {'own s':>8} {'calls':>8}  function")
            for entry in profile:
                out(f"{entry['cumulative_s']:>12.3f} {entry['own_s']:>8.3f} {entry['calls']:>8}  {entry['function']}")

    total = time.perf_counter() - bench_started
    out()
    out(f"total benchmark time {total:.1f} s; results in {args.json}")
    report = {
        "benchmark": "engine_bench",
        "model": str(EXAMPLE.relative_to(ROOT)),
        "process_id": PROCESS_ID,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "cpus": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
        "quick": bool(args.quick),
        "config": {"instances": instances, "regions": regions, "sizes": sizes},
        "throughput": {m.variant: m.as_dict() for m in results},
        "ratios": {
            "c_over_a_instances_per_s": round(c_over_a, 4),
            "c_over_b_instances_per_s": round(c_over_b, 4),
            f"c_bytes_per_step_{large}_over_{small}": round(growth, 4),
            f"b_bytes_per_step_{large}_over_{small}": round(b_growth, 4),
            f"c_ms_per_step_{large}_over_{small}": round(time_growth, 4),
        },
        "targets": {
            "c_over_a": {"target": f">= {TARGET_C_OVER_A}", "value": c_over_a, "pass": c_over_a >= TARGET_C_OVER_A},
            "c_over_b": {"target": f">= {TARGET_C_OVER_B}", "value": c_over_b, "pass": c_over_b >= TARGET_C_OVER_B},
            "bytes_growth": {
                "target": f"<= {TARGET_BYTES_GROWTH}",
                "value": growth,
                "pass": growth <= TARGET_BYTES_GROWTH,
            },
        },
        "sizes": [m.as_dict() for m in size_rows],
        "hand_written_round_trip": verification,
        "profile": profile,
        "total_seconds": round(total, 3),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

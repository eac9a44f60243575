"""Does steadyflow scale out? Instances/s and steps/s with 1, 2 and 4 ``steadyflow worker`` processes.

The same run on PostgreSQL and on SQLite (one file shared by the processes):
``--instances`` instances of the Camunda 8 example (``--regions`` regions each)
are started first, then N real worker processes with the built-in handlers
work them off. The clock starts just before the worker processes are spawned
(their start-up, about a second of imports, is inside the window: a worker works
as soon as it serves, so a later start would miss what the first ones did) and
stops when the last instance completes; what was done in between is counted
from the database: completed instances, and steps as the sum of the
instances' row versions (every committed step adds one).

Printed: one row per (database, workers), the scaling ratio against one worker
of the same database, and PostgreSQL over SQLite at each worker count.

Usage: ``python -m bench.scale_bench [--quick] [--instances N] [--regions N] [--workers 1,2,4]
[--backends postgresql,sqlite] [--pg URL]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import func, select

from engine.config import EngineConfig
from engine.engine import Engine
from engine.store import schema as t

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "database-creation-c8.bpmn"
DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "scale_bench.json"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REGION_NAMES = ["istanbul", "ankara", "izmir", "bursa", "antalya", "konya", "adana", "trabzon"]


@dataclass
class Run:
    backend: str
    workers: int
    instances: int
    steps: int
    seconds: float
    cpu_busy: float | None = None
    """Share of all CPUs of the machine busy during the run (workers, database server, anything else)."""

    @property
    def instances_per_s(self) -> float:
        return self.instances / self.seconds if self.seconds > 0 else 0.0

    @property
    def steps_per_s(self) -> float:
        return self.steps / self.seconds if self.seconds > 0 else 0.0


@contextmanager
def fresh_database(backend: str, workdir: Path, pg_base: str) -> Iterator[str]:
    """A new empty database of ``backend``: a SQLite file, or a PostgreSQL database dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        return
    import psycopg

    admin = pg_base.replace("postgresql+psycopg://", "postgresql://")
    name = f"sf_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{pg_base.rpartition('/')[0]}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cpu_times() -> tuple[float, float] | None:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat; None where there is none."""
    try:
        fields = [float(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)
    return sum(fields) - idle, sum(fields)


def busy_share(before: tuple[float, float] | None, after: tuple[float, float] | None) -> float | None:
    if before is None or after is None or after[1] <= before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])


def progress(engine: Engine) -> tuple[int, int]:
    """(completed instances, committed steps) as the database says now."""
    with engine.db.read() as conn:
        completed = conn.execute(
            select(func.count()).select_from(t.instances).where(t.instances.c.state == "completed")
        ).scalar()
        steps = conn.execute(select(func.coalesce(func.sum(t.instances.c.version), 0))).scalar()
    return int(completed or 0), int(steps or 0)


def run_once(backend: str, workers: int, instances: int, regions: int, workdir: Path, pg_base: str) -> Run:
    with fresh_database(backend, workdir, pg_base) as url:
        data_dir = workdir / f"data-{uuid.uuid4().hex[:8]}"
        engine = Engine(EngineConfig(data_dir=data_dir, db_url=url))
        try:
            engine.deploy([(EXAMPLE.name, EXAMPLE.read_bytes())])
            names = (REGION_NAMES * (regions // len(REGION_NAMES) + 1))[:regions]
            regions_list = [f"{name}{i}" for i, name in enumerate(names)]
            for n in range(instances):
                engine.start("database-creation-c8", {"database": f"db{n}", "regions": regions_list})
            return _work_off(engine, backend, workers, instances, url, data_dir)
        finally:
            engine.close()


def _work_off(engine: Engine, backend: str, workers: int, instances: int, url: str, data_dir: Path) -> Run:
    logs = [data_dir / f"worker{i}.log" for i in range(workers)]
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEADYFLOW_DEMO_")}
    command = [sys.executable, "-m", "steadyflow", "worker", "--db", url, "--data-dir", str(data_dir)]
    # The window opens before the workers exist: a worker that is serving works at once, so a window
    # opened once all of them serve would miss what the first ones did meanwhile (with few instances,
    # all of it). Process start-up is inside the window; it matters only for tiny runs.
    started, cpu_before, (done_before, steps_before) = time.perf_counter(), cpu_times(), progress(engine)
    processes = []
    for log in logs:
        with open(log, "wb") as out:
            processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
    try:
        while (current := progress(engine))[0] < instances:
            _check_alive(processes, logs)
            time.sleep(0.05)
        seconds, cpu_after = time.perf_counter() - started, cpu_times()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
    busy = busy_share(cpu_before, cpu_after)
    return Run(backend, workers, instances - done_before, current[1] - steps_before, seconds, busy)


def _check_alive(processes: Sequence[subprocess.Popen[bytes]], logs: Sequence[Path]) -> None:
    for process, log in zip(processes, logs, strict=True):
        if process.poll() is not None:
            raise RuntimeError(f"a worker exited with {process.returncode}:\n{log.read_text()[-2000:]}")


def pg_reachable(url: str) -> str | None:
    """None when the server answers, else why not."""
    import psycopg

    try:
        psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3).close()
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def report(runs: list[Run], out: Sequence[str] = ()) -> list[str]:
    """The table, the scaling against the fewest workers of each database, and PostgreSQL over SQLite."""
    lines = list(out)
    columns = ("workers", "instances", "seconds", "inst/s", "steps/s", "cpu busy")
    lines.append(f"{'database':<11}" + "".join(f"{c:>10}" for c in columns) + "  scaling")
    fewest = {r.backend: min(x.workers for x in runs if x.backend == r.backend) for r in runs}
    base = {r.backend: r for r in runs if r.workers == fewest[r.backend]}
    for r in runs:
        first = base[r.backend]
        ratio = r.instances_per_s / first.instances_per_s if first.instances_per_s else 0.0
        busy = "n/a" if r.cpu_busy is None else f"{r.cpu_busy:.0%}"
        lines.append(
            f"{r.backend:<11}{r.workers:>10}{r.instances:>10}{r.seconds:>10.2f}{r.instances_per_s:>10.1f}"
            f"{r.steps_per_s:>10.1f}{busy:>10}  x{ratio:.2f} vs {first.workers} worker(s)"
        )
    by_key = {(r.backend, r.workers): r for r in runs}
    for workers in sorted({r.workers for r in runs}):
        pg, lite = by_key.get(("postgresql", workers)), by_key.get(("sqlite", workers))
        if pg and lite and lite.instances_per_s:
            ratio = pg.instances_per_s / lite.instances_per_s
            lines.append(f"PostgreSQL / SQLite with {workers} worker(s): x{ratio:.2f} (instances/s)")
    if any(r.cpu_busy is not None and r.cpu_busy > 0.9 for r in runs):
        lines.append("note: the CPUs were nearly all busy; more worker processes cannot add throughput then")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few instances, for a smoke test")
    parser.add_argument("--instances", type=int, default=300)
    parser.add_argument("--regions", type=int, default=5)
    parser.add_argument("--workers", default="1,2,4", help="worker process counts, comma-separated")
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--pg", default=os.environ.get("STEADYFLOW_TEST_PG") or DEFAULT_PG, metavar="URL")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)
    instances = 12 if args.quick else args.instances
    worker_counts = [int(n) for n in args.workers.split(",")]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    header = [
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        f"{instances} instances x {args.regions} regions of {EXAMPLE.name}; workers: {worker_counts}",
    ]
    if "postgresql" in backends and (why := pg_reachable(args.pg)):
        header.append(f"PostgreSQL skipped: {args.pg} is unreachable ({why})")
        backends.remove("postgresql")
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="steadyflow-scale-") as tmp:
        for backend in backends:
            for workers in worker_counts:
                runs.append(run_once(backend, workers, instances, args.regions, Path(tmp), args.pg))
    lines = report(runs, header)
    print("\n".join(lines))
    rows = [asdict(r) | {"instances_per_s": r.instances_per_s, "steps_per_s": r.steps_per_s} for r in runs]
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"benchmark": "scale_bench", "quick": args.quick, "runs": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What recording each step's state (time travel) and the heatmap counters costs per step.

``python -m bench.step_state_bench`` runs the same work twice in one process, each on a fresh SQLite
database: N instances of the Camunda 8 example with R regions, every job completed in batches of 50
results (group commit, as a worker pool records them). Run "without" has the two extra intents of a
step (its ``step_states`` row and its ``element_stats`` increments) removed before they reach the
writer; run "with" is the engine as it ships. It prints milliseconds per step, the database file's
size per step, and the ratios. The order of the two runs alternates over ``--rounds``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from engine import writer
from engine.engine import Engine
from engine.intents import ElementStat, Intent, StepState
from engine.job_outcome import JobOutcome

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "database-creation-c8.bpmn"


@contextmanager
def without_step_records() -> Iterator[None]:
    """The writer drops step states and heatmap counters (the baseline: the engine before them)."""
    original = writer.PendingWrites.add

    def add(self: writer.PendingWrites, intents: Iterable[Intent]) -> None:
        original(self, [i for i in intents if not isinstance(i, StepState | ElementStat)])

    writer.PendingWrites.add = add  # type: ignore[method-assign]
    try:
        yield
    finally:
        writer.PendingWrites.add = original  # type: ignore[method-assign]


def run(instances: int, regions: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder, Engine.open(data_dir=folder) as engine:
        engine.deploy_paths([EXAMPLE])
        steps_before = engine.steps.steps
        started = time.perf_counter()
        for index in range(instances):
            engine.start(
                "database-creation-c8", {"database": f"db{index}", "regions": [f"r{r}" for r in range(regions)]}
            )
        while True:
            jobs = engine.claim_jobs("bench", None, max_jobs=50)
            if not jobs:
                break
            outcomes = [
                JobOutcome(j, "complete", {"regionDatabase": {"region": j.variables.get("region")}}) for j in jobs
            ]
            engine.report_outcomes("bench", outcomes)
        seconds = time.perf_counter() - started
        steps = engine.steps.steps - steps_before
        assert all(i.state == "completed" for i in engine.instances(limit=instances))
        size = sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file())
    return {"ms_per_step": 1000 * seconds / steps, "bytes_per_step": size / steps, "steps": steps}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=20)
    parser.add_argument("--regions", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    results: dict[str, list[dict[str, Any]]] = {"with": [], "without": []}
    for round_ in range(args.rounds):
        order = ("with", "without") if round_ % 2 == 0 else ("without", "with")
        for variant in order:
            if variant == "without":
                with without_step_records():
                    results[variant].append(run(args.instances, args.regions))
            else:
                results[variant].append(run(args.instances, args.regions))
    medians = {
        v: {k: statistics.median(r[k] for r in rs) for k in ("ms_per_step", "bytes_per_step")}
        for v, rs in results.items()
    }
    steps = results["with"][0]["steps"]
    print(f"{args.instances} instances x {args.regions} regions = {steps} steps, median of {args.rounds} rounds")
    for variant in ("without", "with"):
        m = medians[variant]
        print(
            f"  {variant:>7} step records: {m['ms_per_step']:.3f} ms/step, {m['bytes_per_step']:.0f} bytes/step on disk"
        )
    ratio_t = medians["with"]["ms_per_step"] / medians["without"]["ms_per_step"]
    ratio_b = medians["with"]["bytes_per_step"] / medians["without"]["bytes_per_step"]
    print(f"  ratio with/without: time {ratio_t:.2f}x, disk {ratio_b:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

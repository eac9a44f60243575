"""How fast is steadyflow next to SpiffWorkflow alone, persisting it by hand, and DBOS?

Runs the Camunda 8 example ``examples/database-creation-c8.bpmn`` (a parallel
multi-instance service task over ``=regions``, then one more service task) with
no-op job handlers, four ways, in one process and one run:

(a) SpiffWorkflow alone, in memory: no persistence at all (the ceiling);
(b) what people write by hand: serialize the whole workflow with SpiffWorkflow's
    ``BpmnWorkflowSerializer`` and UPDATE one SQLite row per instance, with the same
    group commit as (c) (bench/spiff_variants.py);
(c) steadyflow end to end: deploy, start, and run every job through the real
    job path (claim, handler, complete) on a fresh SQLite file;
(d) DBOS 3.x, the same 5-step shape as one DBOS workflow of steps (bench/dbos_variant.py).

Every file is SQLite in WAL mode with synchronous=FULL, read back from each variant's
own connections. A "step" is one trigger: the start, or one job completion, each
followed by running to the next wait (what steadyflow commits as one step). Bytes per
step are measured on disk (bench/disk_usage.py).

Then (a), (b) and (c) run one instance with a growing collection (10, 100, 1000
regions) to show how bytes and time per step scale with instance size.

Usage: ``python -m bench.engine_bench [--quick] [--check] [--instances N] [--regions N] [--profile]``;
``--check`` exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.bench_report import Target, print_profile, print_sizes, print_targets, print_throughput, ratio
from bench.dbos_variant import MISSING, dbos_available, run_dbos
from bench.measurement import CLIENTS, EXAMPLE, PROCESS_ID, ROOT, VARIANTS, Measurement, expected_steps
from bench.spiff_variants import load_model, run_hand_written, run_spiff, verify_hand_written
from bench.steadyflow_variant import profile_steadyflow, run_steadyflow
from engine.gc_policy import settled

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "engine_bench.json"
TARGET_C_OVER_A = 0.5
TARGET_C_OVER_B = 1.5
TARGET_C_OVER_D = 3.0
TARGET_BYTES_GROWTH = 2.0
TARGET_TIME_GROWTH = 2.0

__all__ = ["VARIANTS", "expected_steps", "main"]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.engine_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tiny run (seconds), for smoke tests")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed (DBOS then required)")
    parser.add_argument("--instances", type=int, default=None, help="instances per variant (default 200)")
    parser.add_argument("--regions", type=int, default=None, help="regions per instance (default 5)")
    parser.add_argument(
        "--sizes", type=str, default=None, help="comma-separated region counts for the size series (10,100,1000)"
    )
    parser.add_argument(
        "--clients", type=int, default=CLIENTS, help=f"threads starting instances at once in b, c, d ({CLIENTS})"
    )
    parser.add_argument(
        "--rounds", type=int, default=None, help="runs of every variant, interleaved; medians reported (3, quick 1)"
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help=f"where to write results ({DEFAULT_JSON})")
    parser.add_argument("--profile", action="store_true", help="also cProfile (c): time by area, top functions")
    parser.add_argument(
        "--default-gc",
        action="store_true",
        help="keep CPython's collector settings (default: settled as serve and worker run, engine.gc_policy)",
    )
    return parser.parse_args(argv)


def _throughput(
    instances: int, regions: int, workdir: Path, with_dbos: bool, clients: int, rounds: int
) -> list[Measurement]:
    model = load_model()
    # Warm up every variant once (imports, parser and expression caches, SQLite files).
    warm = min(instances, 5)
    run_spiff(model, warm, regions)
    run_hand_written(model, warm, regions, workdir)
    run_steadyflow(warm, regions, workdir)
    if with_dbos:
        run_dbos(warm, regions, workdir)
    runs: dict[str, list[Measurement]] = {}
    for _ in range(rounds):  # interleaved, so a noisy moment of a shared machine hits every variant alike
        runs.setdefault("a", []).append(run_spiff(model, instances, regions))
        runs.setdefault("b", []).append(run_hand_written(model, instances, regions, workdir, clients))
        runs.setdefault("c", []).append(run_steadyflow(instances, regions, workdir, clients=clients))
        if with_dbos:
            runs.setdefault("d", []).append(run_dbos(instances, regions, workdir, clients))
    return [median_run(variant_runs) for variant_runs in runs.values()]


def median_run(runs: list[Measurement]) -> Measurement:
    """The run of median time (the lower middle one of an even count), with every round's seconds."""
    ordered = sorted(runs, key=lambda m: m.seconds)
    chosen = ordered[(len(ordered) - 1) // 2]
    chosen.extra["rounds_s"] = [round(m.seconds, 4) for m in runs]
    return chosen


def _throughput_targets(by: dict[str, Measurement], check: bool) -> list[Target]:
    a, b, c = by["a"], by["b"], by["c"]
    targets = [
        Target("c_over_a", "c/a steps/s (steadyflow / SpiffWorkflow in memory)", ratio(c.steps_per_s, a.steps_per_s),
               ">=", TARGET_C_OVER_A),
        Target("c_over_b", "c/b steps/s (steadyflow / by-hand serialize+SQLite)", ratio(c.steps_per_s, b.steps_per_s),
               ">=", TARGET_C_OVER_B),
    ]  # fmt: skip
    if "d" in by:
        value = ratio(c.steps_per_s, by["d"].steps_per_s)
        targets.append(Target("c_over_d", "c/d steps/s (steadyflow / DBOS 3.x)", value, ">=", TARGET_C_OVER_D))
    elif check:
        targets.append(Target("c_over_d", f"c/d steps/s: {MISSING}", float("nan"), ">=", TARGET_C_OVER_D))
    return targets


def _size_targets(rows: Sequence[Measurement], sizes: Sequence[int]) -> list[Target]:
    c_rows = {m.regions: m for m in rows if m.variant == "c"}
    small, large = min(sizes), max(sizes)
    growth = ratio(c_rows[large].bytes_per_step, c_rows[small].bytes_per_step)
    time_growth = ratio(c_rows[large].ms_per_step, c_rows[small].ms_per_step)
    return [
        Target("bytes_growth", f"c written bytes/step({large}) / bytes/step({small})", growth, "<=",
               TARGET_BYTES_GROWTH),
        Target("time_growth", f"c ms/step({large}) / ms/step({small})", time_growth, "<=", TARGET_TIME_GROWTH),
    ]  # fmt: skip


def _collector(default_gc: bool) -> contextlib.AbstractContextManager[object]:
    """The collector as ``serve`` and ``worker`` run it (engine.gc_policy), or CPython's own with --default-gc."""
    return contextlib.nullcontext() if default_gc else settled()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    instances = args.instances if args.instances is not None else (4 if args.quick else 200)
    regions = args.regions if args.regions is not None else (3 if args.quick else 5)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([10, 20, 40] if args.quick else [10, 100, 1000])
    rounds = args.rounds = args.rounds if args.rounds is not None else (1 if args.quick else 3)
    if instances < 1 or regions < 0 or not sizes or min(sizes) < 1 or rounds < 1:
        print("need --instances >= 1, --regions >= 0, region sizes >= 1 and --rounds >= 1", file=sys.stderr)
        return 2

    def out(line: str = "") -> None:
        print(line, flush=True)

    bench_started = time.perf_counter()
    with_dbos = dbos_available()
    out(f"steadyflow engine benchmark: {EXAMPLE.relative_to(ROOT)} ({PROCESS_ID}), no-op job handlers")
    out(
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs; SQLite {sqlite3.sqlite_version}; every variant on a file in WAL mode, synchronous=FULL"
    )
    out(
        f"throughput run: {instances} instances x {regions} regions = {expected_steps(regions)} steps per instance, "
        f"started by {args.clients} client threads at once in (b), (c) and (d); "
        f"median of {rounds} interleaved round(s)"
    )
    if not with_dbos:
        out(f"SKIPPED (d): {MISSING}" + ("; --check needs it" if args.check else ""))
    out()

    with tempfile.TemporaryDirectory(prefix="steadyflow-bench-") as tmp_name, _collector(args.default_gc):
        workdir = Path(tmp_name)
        results = _throughput(instances, regions, workdir, with_dbos, args.clients, rounds)
        by = {m.variant: m for m in results}
        verification = verify_hand_written(load_model(), regions=max(regions, 1), workdir=workdir)
        out("== throughput ==")
        print_throughput(results, out)
        out()
        targets = _throughput_targets(by, args.check)
        steps = {m.steps for m in results}
        if len(steps) != 1:
            out(f"note: the variants counted different steps: { {m.variant: m.steps for m in results} }")
        out(
            f"(b) round trip: stored {verification['bytes']} bytes mid-run, deserialized, same task states: "
            f"{verification['same_task_states']}, restored workflow ran to completion: "
            f"{verification['restored_ran_to_completion']}"
        )
        out()

        model = load_model()
        size_rows: list[Measurement] = []
        for n in sizes:
            size_runs: dict[str, list[Measurement]] = {"a": [], "b": [], "c": []}
            for _ in range(rounds):
                size_runs["a"].append(run_spiff(model, 1, n))
                size_runs["b"].append(run_hand_written(model, 1, n, workdir))
                size_runs["c"].append(run_steadyflow(1, n, workdir))
            size_rows.extend(median_run(r) for r in size_runs.values())
        out("== one instance, growing multi-instance collection ==")
        print_sizes(size_rows, out)
        out()
        targets += _size_targets(size_rows, sizes)
        b_rows = {m.regions: m for m in size_rows if m.variant == "b"}
        b_growth = ratio(b_rows[max(sizes)].bytes_per_step, b_rows[min(sizes)].bytes_per_step)
        out("== targets ==")
        print_targets(targets, out)
        out(f"(b written bytes/step({max(sizes)}) / bytes/step({min(sizes)}) = {b_growth:.3f}, for comparison)")

        profile: dict[str, Any] = {}
        if args.profile:
            profile = profile_steadyflow(min(instances, 50), regions, workdir)
            out()
            print_profile(profile, min(instances, 50), regions, out)

    missed = [t for t in targets if not t.passed]
    total = time.perf_counter() - bench_started
    out()
    out(f"total benchmark time {total:.1f} s; results in {args.json}")
    _write_json(args, instances, regions, sizes, results, size_rows, targets, verification, profile, total)
    if args.check and missed:
        out(f"--check: {len(missed)} target(s) missed: " + ", ".join(t.key for t in missed))
        return 1
    return 0


def _write_json(
    args: argparse.Namespace,
    instances: int,
    regions: int,
    sizes: list[int],
    results: list[Measurement],
    size_rows: list[Measurement],
    targets: list[Target],
    verification: dict[str, Any],
    profile: dict[str, Any],
    total: float,
) -> None:
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
        "config": {
            "instances": instances,
            "regions": regions,
            "sizes": sizes,
            "clients": args.clients,
            "rounds": args.rounds,
        },
        "throughput": {m.variant: m.as_dict() for m in results},
        "targets": {t.key: t.as_dict() for t in targets},
        "sizes": [m.as_dict() for m in size_rows],
        "hand_written_round_trip": verification,
        "profile": profile,
        "total_seconds": round(total, 3),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())

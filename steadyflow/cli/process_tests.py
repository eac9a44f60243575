"""``steadyflow test`` (Camunda process test cases) and ``steadyflow dry-run``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from steadyflow.errors import InvalidInputError

EXIT_FAILED = 1


def test_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="cpt-test-cases JSON files (e.g. *.test.json)")
    p.add_argument(
        "--resources",
        nargs="+",
        metavar="MODEL",
        help="the .bpmn files to test (default: the .bpmn files in each test file's folder)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="how long an assertion waits for its state (default 5)",
    )
    p.add_argument("--coverage", metavar="DIR", help="write coverage.json and coverage.html into DIR")
    p.add_argument(
        "--min-coverage",
        type=float,
        default=None,
        metavar="PERCENT",
        help="fail when elements and flows passed are below this share (0-100)",
    )
    p.add_argument("--json", action="store_true", help="print the results as JSON")


def cmd_test(args: argparse.Namespace) -> int:
    from steadyflow.testing.suite import run_files

    if args.timeout <= 0:
        raise InvalidInputError(f"--timeout must be positive, not {args.timeout}")
    if args.min_coverage is not None and not 0 <= args.min_coverage <= 100:
        raise InvalidInputError(f"--min-coverage is a percentage from 0 to 100, not {args.min_coverage}")
    resources = [Path(r) for r in args.resources] if args.resources else None
    results, coverage, seconds = run_files([Path(f) for f in args.files], resources=resources, timeout_s=args.timeout)
    failed = sum(1 for r in results for c in r.cases if not c.passed) + sum(1 for r in results if r.error)
    passed = sum(1 for r in results for c in r.cases if c.passed)
    percent = coverage.ratio() * 100
    if args.coverage:
        from webui.assets import asset_root

        json_path, html_path = coverage.write(Path(args.coverage), viewer_assets=asset_root("bpmn-js"))
    below = args.min_coverage is not None and percent < args.min_coverage
    if args.json:
        report = {"passed": passed, "failed": failed, "seconds": round(seconds, 3), "coverage": coverage.as_dict()}
        report["files"] = [r.as_dict() for r in results]
        print(json.dumps(report, indent=2))
    else:
        for file_result in results:
            if file_result.error:
                print(f"ERROR {file_result.path}: {file_result.error}")
            for case in file_result.cases:
                if case.passed:
                    print(f"PASS  {file_result.path}::{case.name} ({case.seconds * 1000:.0f} ms)")
                else:
                    print(f"FAIL  {file_result.path}::{case.name}")
                    print(f"      step {case.failed_step} ({case.instruction}): {case.message}")
        print(f"{passed} passed, {failed} failed in {seconds:.2f} s; coverage {percent:.1f} %")
        if args.coverage:
            print(f"coverage report: {html_path} (data: {json_path})")
    if below:
        print(f"coverage {percent:.1f} % is below --min-coverage {args.min_coverage:g} %", file=sys.stderr)
    return EXIT_FAILED if failed or below else 0


def dry_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="the .bpmn file to run (nothing is deployed or stored)")
    p.add_argument("--var", action="append", metavar="NAME=JSON", help="a start variable (repeatable)")
    p.add_argument("--process", metavar="ID", help="the process to start when the file holds several")
    p.add_argument(
        "--stub",
        action="append",
        metavar="TYPE=JSON",
        help="what jobs of TYPE answer (default {}), e.g. --stub 'check-stock={\"inStock\":true}'",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def cmd_dry_run(args: argparse.Namespace) -> int:
    from steadyflow.cli.commands import parse_vars
    from steadyflow.testing.dry_run import dry_run

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    stubs = {}
    for pair in args.stub or []:
        job_type, sep, text = pair.partition("=")
        answer = parse_vars([f"answer={text}"])["answer"] if sep and job_type else None
        if not isinstance(answer, dict):
            raise InvalidInputError(f"--stub {pair!r}: write TYPE=JSON with a JSON object, e.g. --stub 'x={{\"a\":1}}'")
        stubs[job_type] = answer
    result = dry_run([(path.name, data)], parse_vars(args.var or []), process_id=args.process, stubs=stubs)
    if args.json:
        print(json.dumps(result.as_dict(), indent=2, default=str))
        return 0
    print(f"{result.process_id}: {result.state}")
    print("path: " + " -> ".join(result.elements))
    for note in result.notes:
        print(f"  {note}")
    for stop in result.stops:
        print(f"stopped at {stop.element_id or 'the process'}: {stop.reason}")
    print("variables: " + json.dumps(result.variables, sort_keys=True, default=str))
    return 0

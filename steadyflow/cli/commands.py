"""One function per CLI command, plus how each is configured."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.limits import check_variables, parse_json
from steadyflow.cli import process_tests, processes, render
from steadyflow.cli.json_hints import json_hint
from steadyflow.errors import InvalidInputError, ModelValidationError, NotFoundError


@dataclass(frozen=True)
class CommandSpec:
    name: str
    help: str
    example: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def open_engine(args: argparse.Namespace) -> Any:
    from engine.config import EngineConfig
    from engine.engine import Engine

    base = EngineConfig()
    data_dir = Path(args.data_dir) if getattr(args, "data_dir", None) else base.data_dir
    allow = bool(getattr(args, "allow_python_scripts", False)) or base.allow_python_scripts
    return Engine(EngineConfig(data_dir=data_dir, db_url=args.db or base.db_url, allow_python_scripts=allow))


def handler_set(disabled: list[str] | None = None) -> Any:
    from service_tasks.registry import ServiceTaskRegistry

    env = [t.strip() for t in os.environ.get("STEADYFLOW_DISABLE_HANDLERS", "").split(",") if t.strip()]
    return ServiceTaskRegistry.default().handler_set(disabled=[*(disabled or []), *env])


# -- deploy / validate ----------------------------------------------------------
def _read_files(paths: list[str]) -> list[tuple[str, bytes]]:
    files = []
    for path in paths:
        try:
            files.append((path, Path(path).read_bytes()))
        except OSError as exc:
            raise InvalidInputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return files


def cmd_deploy(args: argparse.Namespace) -> int:
    engine = open_engine(args)
    deployment = engine.deploy(_read_files(args.files))
    for item in deployment.definitions:
        d = item.definition
        status = "deployed" if item.new_version else "unchanged"
        print(f"{status}: {d.key} version {d.version} ({d.id})")
    for decision in deployment.decisions:
        r = decision.definition
        status = "deployed" if decision.new_version else "unchanged"
        print(f"{status}: decision {r.key} version {r.version} ({r.id})")
    for warning in deployment.warnings:
        print(f"warning: {warning.describe()}", file=sys.stderr)
    return 0


def validation_options(args: argparse.Namespace) -> Any:
    from engine.config import EngineConfig
    from engine.engine import parse_options

    allow = bool(getattr(args, "allow_python_scripts", False)) or EngineConfig().allow_python_scripts
    return parse_options(EngineConfig(allow_python_scripts=allow))


def cmd_validate(args: argparse.Namespace) -> int:
    from bpmn.parser import parse_model
    from dmn import parse_decisions
    from engine.decisions import is_dmn_file

    results = []
    for path in args.files:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            results.append(
                {
                    "file": path,
                    "ok": False,
                    "processes": [],
                    "warnings": [],
                    "errors": [
                        {"message": f"cannot read file: {exc.strerror or exc}", "element_id": None, "line": None}
                    ],
                }
            )
            continue
        try:
            if is_dmn_file(path, data):
                decisions = parse_decisions(data, path)
                results.append({"file": path, "ok": True, "decisions": sorted(decisions.decisions), "errors": []})
                results[-1] |= {"processes": [], "warnings": []}
                continue
            model = parse_model(data, path, validation_options(args))
            results.append(
                {
                    "file": path,
                    "ok": True,
                    "processes": sorted(model.processes),
                    "errors": [],
                    "warnings": [w.as_dict() for w in model.warnings],
                }
            )
        except ModelValidationError as exc:
            results.append(
                {
                    "file": path,
                    "ok": False,
                    "processes": [],
                    "errors": [p.as_dict() for p in exc.problems],
                    "warnings": [w.as_dict() for w in exc.warnings],
                }
            )
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        render.validation(results)
    return 0 if all(r["ok"] for r in results) else 1


# -- instances ----------------------------------------------------------------------
def parse_vars(pairs: list[str]) -> dict[str, Any]:
    variables: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            raise InvalidInputError(f'--var {pair!r}: write NAME=JSON, for example --var \'regions=["eu","us"]\'')
        try:
            json.loads(text, parse_constant=str)  # syntax only; the gate below refuses what the store cannot keep
        except json.JSONDecodeError as exc:
            raise InvalidInputError(
                f"--var {name}: {text!r} is not valid JSON ({exc.msg} at column {exc.colno}); " + json_hint(name, text)
            ) from None
        except RecursionError:
            pass  # too deep: parse_json says so with the limit
        variables[name] = parse_json(text, f"--var {name}")
    check_variables(variables, "--var values")
    return variables


def cmd_start(args: argparse.Namespace) -> int:
    variables = parse_vars(args.var or [])
    engine = open_engine(args)
    instance = engine.start(args.key, variables, business_key=args.business_key, version=args.version)
    print(f"started {instance.id} ({instance.definition_id})")
    if not args.wait:
        return 0
    from engine.worker import WorkerPool

    pool = WorkerPool(engine, handler_set(), concurrency=args.concurrency)
    pool.start()
    try:
        return render.watch(engine, instance.id, timeout_s=args.timeout)
    finally:
        pool.stop(timeout_s=5)


def cmd_evaluate_conditions(args: argparse.Namespace) -> int:
    variables = parse_vars(args.var or [])
    engine = open_engine(args)
    started = engine.evaluate_start_conditions(variables, business_key=args.business_key, definition_id=args.definition)
    for result in started:
        print(f"started {result.instance.id} ({result.instance.definition_id}) at {result.element_id}")
    if not started:
        print("no condition held: nothing started")
    return 0


def cmd_instances(args: argparse.Namespace) -> int:
    engine = open_engine(args)
    rows = engine.instances(state=args.state, definition_key=args.key, limit=args.limit)
    if args.json:
        print(json.dumps([r.__dict__ | {"frame": None} for r in rows], indent=2, default=str))
    else:
        render.instances(rows)
    return 0


def resolve_instance_id(engine: Any, text: str) -> str:
    """A full instance id from the full id or the short one the UI and 'instances' show."""
    from engine.instance_ids import resolve_instance_id as resolve

    return resolve(engine, text)


def cmd_show(args: argparse.Namespace) -> int:
    engine = open_engine(args)
    from engine.activity_tree import labels
    from engine.instance_monitor import InstanceMonitor
    from engine.queries import Queries

    instance_id = resolve_instance_id(engine, args.id)
    view = engine.view(instance_id)
    structure = InstanceMonitor(Queries(engine)).structure(instance_id)
    scopes = structure["scopes"]
    if args.json:
        extra = {"variables": scopes[0]["variables"], "scopes": scopes, "tree": structure["tree"]}
        print(json.dumps(view.as_dict() | extra, indent=2, default=str))
    else:
        render.instance(view, scopes, labels(structure["tree"]))
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    engine = open_engine(args)
    instance_id = resolve_instance_id(engine, args.id)
    count = engine.retry(instance_id, retries=args.retries)
    print(f"retrying {count} incident(s) of {instance_id}")
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    engine = open_engine(args)
    instance_id = resolve_instance_id(engine, args.id)
    engine.cancel(instance_id, reason=args.reason)
    print(f"cancelled {instance_id}")
    return 0


# -- database -------------------------------------------------------------------------
def cmd_db(args: argparse.Namespace) -> int:
    from engine.config import EngineConfig
    from engine.store.database import Database, sqlite_url

    base = EngineConfig()
    data_dir = Path(args.data_dir) if args.data_dir else base.data_dir
    db = Database(args.db or base.db_url or sqlite_url(data_dir))
    if args.action == "wait":
        return _db_wait(db, args.timeout, for_schema=args.for_schema)
    from engine.store.migrate import upgrade

    revision = upgrade(db)
    print(f"database {db.safe_url} is at schema revision {revision}")
    return 0


def _db_wait(db: Any, timeout_s: float, *, for_schema: bool) -> int:
    """Until the database answers (and, ``for_schema``, is at this version's schema), at most ``timeout_s``.

    An init container runs it: before ``db upgrade`` in the migration job, and with
    ``--for-schema`` before ``serve`` and ``worker``, which wait for that job instead of failing.
    """
    from engine.store.migrate import schema_problem

    deadline = time.monotonic() + timeout_s
    delay = 0.2
    while True:
        problem = db.ping()
        if problem is None and for_schema:
            problem = schema_problem(db)
        if problem is None:
            print("database answered" + (", schema is current" if for_schema else ""))
            return 0
        if time.monotonic() + delay > deadline:
            print(
                f"error: {problem} within {timeout_s:.0f} s; check the URL and that the server is up", file=sys.stderr
            )
            return 1
        time.sleep(delay)
        delay = min(delay * 2, 2.0)


def _files(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help=".bpmn and .dmn files")


def _validate_opts(p: argparse.ArgumentParser) -> None:
    _files(p)
    p.add_argument("--json", action="store_true", help="machine-readable result per file")


def _start_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("key", help="process id (definition key)")
    p.add_argument("--var", action="append", metavar="NAME=JSON", help="a start variable; repeatable")
    p.add_argument("--business-key", metavar="K")
    p.add_argument("--version", type=int, help="start this definition version instead of the latest")
    p.add_argument("--wait", action="store_true", help="run jobs here and show progress until the instance ends")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS", help="give up waiting after this long")
    p.add_argument("--concurrency", type=int, default=4)


def _conditions_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--var", action="append", metavar="NAME=JSON", help="a variable to judge and start with; repeatable")
    p.add_argument("--business-key", metavar="K", help="the business key of the instances started")
    p.add_argument("--definition", metavar="ID", help="judge only this definition's conditional start events")


def _instances_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--state", choices=["running", "completed", "cancelled", "failed"])
    p.add_argument("--key", help="only instances of this process id")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")


def _id_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", help="process instance id")


def _show_opts(p: argparse.ArgumentParser) -> None:
    _id_opts(p)
    p.add_argument("--json", action="store_true")


def _retry_opts(p: argparse.ArgumentParser) -> None:
    _id_opts(p)
    p.add_argument("--retries", type=int, default=1, help="attempts to grant each failed job (default 1)")


def _cancel_opts(p: argparse.ArgumentParser) -> None:
    _id_opts(p)
    p.add_argument("--reason")


def _db_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "action",
        choices=["upgrade", "wait"],
        help="upgrade: bring the schema to this version; wait: until the database answers (exit 1 on --timeout)",
    )
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS", help="with wait: give up after this long")
    p.add_argument(
        "--for-schema",
        action="store_true",
        help="with wait: also until the schema is at this version (another process runs 'db upgrade')",
    )


def _users_configure(p: argparse.ArgumentParser) -> None:
    from steadyflow.cli.users import configure_users

    configure_users(p)


def _users_run(args: argparse.Namespace) -> int:
    from steadyflow.cli.users import cmd_users

    return cmd_users(args)


def _missing(kind: str) -> Callable[[argparse.Namespace], int]:
    def run(_args: argparse.Namespace) -> int:
        raise NotFoundError(kind)

    return run


COMMANDS = [
    CommandSpec(
        "users",
        "manage accounts: add, list, remove, password, token",
        "steadyflow users add alice --role operator",
        _users_configure,
        _users_run,
    ),
    CommandSpec(
        "serve",
        "run the scheduler, the worker pool and the HTTP server",
        "steadyflow serve --port 8080",
        processes.serve_options,
        processes.cmd_serve,
    ),
    CommandSpec(
        "worker",
        "run the worker pool (and timers) against the database",
        "steadyflow worker --until-idle",
        processes.worker_options,
        processes.cmd_worker,
    ),
    CommandSpec(
        "deploy",
        "deploy BPMN and DMN files (identical files are not new versions)",
        "steadyflow deploy examples/database-creation.bpmn",
        _files,
        cmd_deploy,
    ),
    CommandSpec(
        "validate",
        "check BPMN files without deploying them",
        "steadyflow validate --json model.bpmn",
        _validate_opts,
        cmd_validate,
    ),
    CommandSpec(
        "start",
        "start a process instance",
        "steadyflow start database-creation --var database='\"orders\"' --wait",
        _start_opts,
        cmd_start,
    ),
    CommandSpec(
        "evaluate-conditions",
        "start an instance per process conditional start event whose condition holds over the variables",
        "steadyflow evaluate-conditions --var temperature=35",
        _conditions_opts,
        cmd_evaluate_conditions,
    ),
    CommandSpec(
        "instances", "list process instances", "steadyflow instances --state running", _instances_opts, cmd_instances
    ),
    CommandSpec(
        "show", "show an instance: activities, jobs, incidents, history", "steadyflow show <ID>", _show_opts, cmd_show
    ),
    CommandSpec("retry", "retry the open incidents of an instance", "steadyflow retry <ID>", _retry_opts, cmd_retry),
    CommandSpec(
        "cancel",
        "cancel a running instance",
        "steadyflow cancel <ID> --reason 'wrong region'",
        _cancel_opts,
        cmd_cancel,
    ),
    CommandSpec(
        "test",
        "run Camunda process test cases (cpt-test-cases JSON) on an in-process engine",
        "steadyflow test tests/cases/database-creation.test.json --coverage coverage/",
        process_tests.test_options,
        process_tests.cmd_test,
    ),
    CommandSpec(
        "dry-run",
        "run a model before deploying it: stub workers, timers at once, user tasks from form defaults",
        'steadyflow dry-run examples/database-creation-c8.bpmn --var \'regions=["eu","us"]\'',
        process_tests.dry_run_options,
        process_tests.cmd_dry_run,
    ),
    CommandSpec(
        "db",
        "database schema maintenance",
        "steadyflow db upgrade --db postgresql://user@host/db",
        _db_opts,
        cmd_db,
    ),
]

__all__ = ["COMMANDS", "CommandSpec", "parse_vars", "time"]

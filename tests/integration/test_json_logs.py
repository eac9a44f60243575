"""``--log-format json``: one JSON object per line, with the instance, job and element a line is about."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Callable
from pathlib import Path

from engine.engine import Engine
from engine.log_context import JsonLogFormatter, log_context
from steadyflow.cli import build_parser
from tests.conftest import deploy
from tests.integration.worker_processes import steadyflow


def _json_lines(text: str) -> list[dict[str, object]]:
    lines = [line for line in text.splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines]  # every line is one JSON object
    for entry in parsed:
        assert {"ts", "level", "logger", "message"} <= entry.keys(), entry
    return parsed


def test_worker_lines_about_a_job_carry_its_instance_job_and_element(
    make_engine: Callable[..., Engine], db_url: str, tmp_path: Path
) -> None:
    engine = make_engine()
    deploy(engine, "database-creation-c8.bpmn")
    instance_id = engine.start("database-creation-c8", {"database": "orders", "regions": ["eu", "us"]}).id

    result = steadyflow(
        db_url,
        tmp_path / "data",
        "worker",
        "--until-idle",
        "--max-wait",
        "2",
        "--log-format",
        "json",
        "--log-level",
        "DEBUG",
    )

    assert result.returncode == 0, result.stderr
    entries = _json_lines(result.stderr)
    created = [e for e in entries if str(e["message"]).startswith("created database")]
    assert len(created) == 2
    recorded = [e for e in entries if e["logger"] == "engine.worker" and "recorded" in str(e["message"])]
    assert {str(e["message"]).split(" ")[2] for e in recorded} == {"(create-database)", "(create-replication)"}
    jobs = {j["job_id"] for j in (*created, *recorded)}
    assert len(jobs) == 3
    for entry in (*created, *recorded):
        assert entry["instance_id"] == instance_id
        assert entry["element_id"] in ("Activity_CreateDatabase", "Activity_CreateReplication")


def test_an_error_is_one_json_line_too(db_url: str, tmp_path: Path) -> None:
    result = steadyflow(db_url, tmp_path / "data", "show", "no-such-instance", "--log-format", "json")

    assert result.returncode == 1
    [entry] = _json_lines(result.stderr)
    assert entry["level"] == "ERROR"
    assert "no-such-instance" in str(entry["message"])


def test_every_command_takes_log_format() -> None:
    parser = build_parser()
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for name, command in commands.choices.items():
        assert "--log-format {text,json}" in command.format_help(), name


def test_ids_come_from_the_context_and_do_not_leak_out_of_it() -> None:
    formatter = JsonLogFormatter()
    record = logging.LogRecord("engine.steps", logging.INFO, __file__, 1, "step %s", ("done",), None)
    with log_context(instance_id="i-1", job_id="j-1"), log_context(element_id="Task_1"):
        inside = json.loads(formatter.format(record))
    outside = json.loads(formatter.format(record))

    assert (inside["instance_id"], inside["job_id"], inside["element_id"]) == ("i-1", "j-1", "Task_1")
    assert inside["message"] == "step done"
    assert not {"instance_id", "job_id", "element_id"} & outside.keys()

"""``steadyflow evaluate-conditions``: start an instance per process conditional start event whose condition holds."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.test_cli import cli, data_dir, one_clear_error  # noqa: F401  (data_dir is a fixture)
from tests.scenarios.conditional_process_models import C7, hot_and_cold, none_start_process


def written(tmp_path: Path, files: list[tuple[str, bytes]]) -> list[str]:
    paths = []
    for name, xml in files:
        path = tmp_path / name
        path.write_bytes(xml)
        paths.append(str(path))
    return paths


def test_evaluate_conditions_starts_the_process_whose_condition_holds(data_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    assert cli(data_dir, "deploy", *written(tmp_path, hot_and_cold(C7))).returncode == 0

    result = cli(data_dir, "evaluate-conditions", "--var", "temperature=35", "--business-key", "sensor-1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("started ") and result.stdout.strip().endswith("at TooHot")
    (instance,) = json.loads(cli(data_dir, "instances", "--json").stdout)
    assert instance["definition_key"] == "cooling" and instance["business_key"] == "sensor-1"
    quiet = cli(data_dir, "evaluate-conditions", "--var", "temperature=20")
    assert quiet.returncode == 0 and "nothing started" in quiet.stdout


def test_evaluate_conditions_without_any_conditional_start_event_is_one_clear_error(
    data_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    cli(data_dir, "deploy", *written(tmp_path, [("plain.bpmn", none_start_process("plain"))]))
    line = one_clear_error(cli(data_dir, "evaluate-conditions", "--var", "temperature=35"))
    assert "no deployed process has a conditional start event" in line


def test_a_condition_that_cannot_be_evaluated_is_one_clear_error_and_starts_nothing(
    data_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    cli(data_dir, "deploy", *written(tmp_path, hot_and_cold(C7)))
    line = one_clear_error(cli(data_dir, "evaluate-conditions", "--var", 'temperature="hot"'))
    assert "conditional start event 'TooHot' of process 'cooling'" in line
    assert json.loads(cli(data_dir, "instances", "--json").stdout) == []

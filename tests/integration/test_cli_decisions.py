"""DMN from the command line: deploy a BPMN + DMN pair, run it, validate a refused DMN file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.test_cli import cli, data_dir  # noqa: F401 - the fixture

DMN = "tests/data/dmn/hit-policies-c8.dmn"
BPMN = "tests/data/dmn/decisions-c8.bpmn"


def test_deploy_lists_each_decision_and_the_process_runs_them(data_dir: Path) -> None:  # noqa: F811
    deployed = cli(data_dir, "deploy", BPMN, DMN)
    assert deployed.returncode == 0, deployed.stderr
    assert "deployed: decision dish version 1" in deployed.stdout
    assert "deployed: c8-decisions version 1" in deployed.stdout
    variables = {"month": 2, "guestCount": 3, "amount": 1, "customer": "x", "age": 50, "debt": 0}
    args = [f"--var={name}={json.dumps(value)}" for name, value in variables.items()]
    started = cli(data_dir, "start", "c8-decisions", *args, "--wait")
    assert started.returncode == 0, started.stderr
    again = cli(data_dir, "deploy", DMN)
    assert "unchanged: decision dish version 1" in again.stdout


def test_validate_names_decision_rule_and_cell_of_a_bad_dmn_file(data_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    bad = tmp_path / "bad.dmn"
    bad.write_text(Path(DMN).read_text().replace("<text>[3..5]</text>", "<text>[3..</text>", 1))
    result = cli(data_dir, "validate", "--json", str(bad), DMN)
    assert result.returncode == 1
    report = {Path(r["file"]).name: r for r in json.loads(result.stdout)}
    assert "dish" in report["hit-policies-c8.dmn"]["decisions"]
    (error,) = report["bad.dmn"]["errors"]
    assert "decision 'season' (Season), rule 2 (season_rule2), input entry 'Month'" in error["message"]
    assert error["element_id"] == "season" and isinstance(error["line"], int)

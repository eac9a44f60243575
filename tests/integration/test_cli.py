"""The command line as users run it: real processes, a real database (SQLite or PostgreSQL), exit codes and messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
C7 = "examples/database-creation.bpmn"
C8 = "examples/database-creation-c8.bpmn"


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "steadyflow", *args, "--data-dir", str(data_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def one_clear_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("steadyflow: error:")
    return lines[0]


@pytest.fixture
def data_dir(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STEADYFLOW_DB", db_url)  # the commands inherit it: SQLite file or PostgreSQL database
    return tmp_path / "var"


def test_camunda8_example_runs_to_completion_with_three_regions(data_dir: Path) -> None:
    assert cli(data_dir, "deploy", C8).returncode == 0
    started = cli(
        data_dir,
        "start",
        "database-creation-c8",
        "--var",
        'database="shop"',
        "--var",
        'regions=["istanbul","ankara","izmir"]',
        "--wait",
        "--timeout",
        "60",
    )
    assert started.returncode == 0, started.stderr
    assert "completed" in started.stdout
    for region in ("istanbul", "ankara", "izmir"):
        assert (data_dir / "regions" / region / "shop.db").exists()
    instance_id = started.stdout.split()[1]
    shown = cli(data_dir, "show", instance_id)
    assert shown.returncode == 0
    assert "InstanceCompleted" in shown.stdout and "JobCompleted" in shown.stdout
    as_json = json.loads(cli(data_dir, "show", instance_id, "--json").stdout)
    assert as_json["instance"]["state"] == "completed"


def test_camunda7_example_runs_to_completion(data_dir: Path) -> None:
    assert cli(data_dir, "deploy", C7).returncode == 0
    started = cli(
        data_dir,
        "start",
        "database-creation",
        "--var",
        'database="crm"',
        "--business-key",
        "REQ-1",
        "--wait",
        "--timeout",
        "60",
    )
    assert started.returncode == 0, started.stderr
    listed = json.loads(cli(data_dir, "instances", "--json").stdout)
    assert listed[0]["business_key"] == "REQ-1" and listed[0]["state"] == "completed"
    assert (data_dir / "regions" / "Istanbul" / "crm.db").exists()


def test_malformed_xml_is_refused_and_nothing_stored_changes(data_dir: Path, tmp_path: Path) -> None:
    assert cli(data_dir, "deploy", C8).returncode == 0
    broken = tmp_path / "broken.bpmn"
    broken.write_text(Path(ROOT / C8).read_text().replace("</bpmn:process>", "", 1))
    line = one_clear_error(cli(data_dir, "deploy", str(broken)))
    assert "malformed XML" in line and "broken.bpmn:" in line
    again = cli(data_dir, "deploy", C8)
    assert "unchanged: database-creation-c8 version 1" in again.stdout


def test_unknown_process_key_names_what_is_deployed(data_dir: Path) -> None:
    cli(data_dir, "deploy", C8)
    line = one_clear_error(cli(data_dir, "start", "database-creation-c9"))
    assert "'database-creation-c9' is not deployed" in line
    assert "database-creation-c8" in line


def test_wrong_variable_json_says_how_to_quote(data_dir: Path) -> None:
    cli(data_dir, "deploy", C8)
    line = one_clear_error(cli(data_dir, "start", "database-creation-c8", "--var", "database=shop"))
    assert "--var database" in line and "not valid JSON" in line
    assert json.loads(cli(data_dir, "instances", "--json").stdout) == []


def test_missing_handler_is_reported_by_the_worker(data_dir: Path, tmp_path: Path) -> None:
    model = tmp_path / "custom.bpmn"
    model.write_text(Path(ROOT / C8).read_text().replace('type="create-replication"', 'type="notify-team"'))
    cli(data_dir, "deploy", str(model))
    cli(data_dir, "start", "database-creation-c8", "--var", 'database="x"', "--var", 'regions=["a"]')
    result = cli(data_dir, "worker", "--until-idle", "--max-wait", "2")
    line = one_clear_error(result)
    assert "no handler for job type 'notify-team'" in line and "Activity_CreateReplication" in line


def test_validate_reports_every_problem_with_element_and_line(data_dir: Path, tmp_path: Path) -> None:
    model = tmp_path / "bad.bpmn"
    text = Path(ROOT / C8).read_text()
    text = text.replace('inputCollection="=regions"', 'inputCollection="=regions["')
    text = text.replace('type="create-replication" retries="3"', 'type="create-replication" retries="three"')
    model.write_text(text)
    result = cli(data_dir, "validate", "--json", str(model), C7)
    assert result.returncode == 1
    report = {Path(r["file"]).name: r for r in json.loads(result.stdout)}
    assert report["database-creation.bpmn"]["ok"] is True
    errors = report["bad.bpmn"]["errors"]
    assert {e["element_id"] for e in errors} == {"Activity_CreateDatabase", "Activity_CreateReplication"}
    assert all(isinstance(e["line"], int) for e in errors)


def test_every_command_has_help_with_an_example(data_dir: Path) -> None:
    for command in ("serve", "worker", "deploy", "validate", "start", "instances", "show", "retry", "db"):
        result = subprocess.run(
            [sys.executable, "-m", "steadyflow", command, "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0 and "example:" in result.stdout, command

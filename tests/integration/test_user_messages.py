"""Messages people see say what is wrong and what to do, without internals (issue 12, item 7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bpmn.parser import parse_model
from engine.engine import Engine
from steadyflow.cli.json_hints import json_hint
from steadyflow.errors import ModelValidationError
from tests.conftest import EXAMPLES, deploy
from tests.integration.test_cli import C8, cli, one_clear_error

C8_XML = (EXAMPLES / "database-creation-c8.bpmn").read_text()


@pytest.fixture
def data_dir(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STEADYFLOW_DB", db_url)
    return tmp_path / "var"


def test_a_flow_to_a_missing_element_names_the_flow_and_the_missing_target() -> None:
    xml = C8_XML.replace('targetRef="Activity_CreateReplication"', 'targetRef="Activity_Missing"')

    with pytest.raises(ModelValidationError) as refused:
        parse_model(xml.encode(), "missing.bpmn")

    (problem,) = refused.value.problems
    assert problem.element_id == "Flow_2"
    assert problem.message == "sequence flow 'Flow_2' goes to 'Activity_Missing', which does not exist in this file"
    assert "Camunda Modeler" in (problem.hint or "")
    assert "form" not in str(refused.value)


def test_a_flow_from_a_missing_element_is_refused_the_same_way() -> None:
    xml = C8_XML.replace('sourceRef="Activity_CreateDatabase"', 'sourceRef="Activity_Gone"')

    with pytest.raises(ModelValidationError) as refused:
        parse_model(xml.encode(), "missing.bpmn")

    assert [p.message for p in refused.value.problems] == [
        "sequence flow 'Flow_2' comes from 'Activity_Gone', which does not exist in this file"
    ]


def test_a_missing_collection_is_an_incident_on_the_element_naming_the_variable(engine: Engine) -> None:
    deploy(engine, "database-creation-c8.bpmn")
    instance = engine.start("database-creation-c8", {"dbName": "orders"})

    (incident,) = engine.view(instance.id).incidents

    assert incident["element_id"] == "Activity_CreateDatabase"
    assert incident["task_id"] is not None
    assert incident["message"] == (
        "expression '=regions' failed: the multi-instance collection of 'Activity_CreateDatabase' is null "
        "(no variable 'regions' is set), not a list; set 'regions' to a list, for example [\"a\", \"b\"], "
        "then retry the incident"
    )


def test_show_prints_variables_as_json_and_takes_the_short_id(data_dir: Path) -> None:
    cli(data_dir, "deploy", C8)
    started = cli(data_dir, "start", "database-creation-c8", "--var", 'regions=["istanbul"]', "--var", "ok=true")
    instance_id = started.stdout.split()[1]

    shown = cli(data_dir, "show", instance_id[:8])

    assert shown.returncode == 0, shown.stderr
    assert f"instance {instance_id}" in shown.stdout
    assert "  Create database (istanbul) " in shown.stdout  # activity instances by their label
    assert '  regions = ["istanbul"]' in shown.stdout and "  ok = true" in shown.stdout
    assert "['istanbul']" not in shown.stdout and "True" not in shown.stdout
    process_scope = shown.stdout.split("variables:")[1].split("variables of")[0]
    assert "loopCounter" not in process_scope and "region =" not in process_scope


def test_show_refuses_an_unknown_short_id_with_what_to_give(data_dir: Path) -> None:
    cli(data_dir, "deploy", C8)
    line = one_clear_error(cli(data_dir, "show", "abcd1234"))
    assert "no process instance id starts with 'abcd1234'" in line and "steadyflow instances" in line


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("[istanbul, ankara]", """quote each string in the list: --var 'regions=["istanbul", "ankara"]'"""),
        ("['istanbul']", """quote each string in the list: --var 'regions=["istanbul"]'"""),
        ("[eu, 3, true]", """quote each string in the list: --var 'regions=["eu", 3, true]'"""),
        ("istanbul", """strings need double quotes: --var 'regions="istanbul"'"""),
    ],
)
def test_var_json_hint_quotes_the_strings_not_the_whole_list(text: str, hint: str) -> None:
    assert json_hint("regions", text) == hint
    fixed = hint.split("=", 1)[1].rstrip("'")
    json.loads(fixed)  # what the hint says to type is JSON


def test_var_json_error_on_the_command_line_gives_a_pasteable_list(data_dir: Path) -> None:
    cli(data_dir, "deploy", C8)
    line = one_clear_error(cli(data_dir, "start", "database-creation-c8", "--var", "regions=[istanbul]"))
    assert """--var 'regions=["istanbul"]'""" in line
    assert 'regions="[istanbul]"' not in line  # a quoted list would be a string, not a list


def test_favicon_is_served_to_everyone_as_an_image(client: FlaskClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG")


def test_the_progress_bar_counts_three_regions_as_three(data_dir: Path) -> None:
    cli(data_dir, "deploy", C8)
    regions = 'regions=["istanbul","ankara","izmir"]'
    started = cli(data_dir, "start", "database-creation-c8", "--var", regions, "--var", 'database="shop"', "--wait")

    assert started.returncode == 0, started.stderr
    bars = [line for line in started.stdout.splitlines() if line.strip().startswith("Activity_CreateDatabase ")]
    assert bars and bars[-1].rstrip().endswith("3/3")
    assert not any("/4" in line for line in bars)

"""``steadyflow test``: Camunda process test case files run as users run them, exit codes and what they print."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CONSTRUCTS = ROOT / "tests" / "data" / "constructs"


def steadyflow_test(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "steadyflow", "test", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def case_file(folder: Path, *cases: dict[str, object]) -> Path:
    path = folder / "cases.test.json"
    path.write_text(json.dumps({"testCases": list(cases)}), encoding="utf-8")
    return path


C8_START = {
    "type": "CREATE_PROCESS_INSTANCE",
    "processDefinitionSelector": {"processDefinitionId": "database-creation-c8"},
    "variables": {"regions": ["eu", "us"]},
}


def test_the_example_cases_pass_and_cover_both_examples_completely(tmp_path: Path) -> None:
    result = steadyflow_test("examples/database-creation.test.json", "--coverage", str(tmp_path / "cov"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS  examples/database-creation.test.json::Camunda 8: five regions, then replication" in result.stdout
    assert (
        "PASS  examples/database-creation.test.json::Camunda 7: both regions join before replication" in result.stdout
    )
    assert "3 passed, 0 failed" in result.stdout
    report = json.loads((tmp_path / "cov" / "coverage.json").read_text())
    assert {p["process_id"]: p["coverage"] for p in report["processes"]} == {
        "database-creation": 1.0,
        "database-creation-c8": 1.0,
    }
    html = (tmp_path / "cov" / "coverage.html").read_text()
    assert "bpmn-js/bpmn-viewer.production.min.js" in html
    assert (tmp_path / "cov" / "bpmn-js" / "bpmn-viewer.production.min.js").is_file()


def test_the_construct_cases_pass_with_timers_moved_by_the_clock() -> None:
    result = steadyflow_test("tests/data/constructs/constructs.test.json", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["failed"] == 0 and report["passed"] == 10
    names = [c["name"] for c in report["files"][0]["cases"]]
    assert "A boundary timer cycle reminds twice, then the interrupting timer gives up" in names
    covered = {p["process_id"]: p for p in report["coverage"]["processes"]}
    assert covered["c8-timer-events"]["coverage"] == 1.0
    # Payment never completes in that case: "Paid" and the flow into it are the only things not passed.
    assert covered["c8-timer-boundary"]["not_covered"] == ["Event_008zfqc", "Flow_1o9363j"]
    # The answer never came: the gateway's message branch is not covered, its timer branch is.
    assert covered["c8-event-based-gateway"]["not_covered"] == [
        "Event_09m1hp5",
        "Event_1ruvpmq",
        "Flow_1eht4g2",
        "Flow_1h3we7g",
    ]


def test_a_failing_case_exits_1_naming_the_case_the_step_and_what_was_seen(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "database-creation-c8.bpmn", tmp_path)
    path = case_file(
        tmp_path,
        {"name": "passes", "instructions": [C8_START]},
        {
            "name": "expects the wrong element",
            "instructions": [
                C8_START,
                {
                    "type": "ASSERT_ELEMENT_INSTANCE",
                    "processInstanceSelector": {"processDefinitionId": "database-creation-c8"},
                    "elementSelector": {"elementId": "Activity_CreateReplication"},
                    "state": "IS_ACTIVE",
                },
            ],
        },
    )
    result = steadyflow_test(str(path), "--timeout", "0.5")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"PASS  {path}::passes" in result.stdout
    assert f"FAIL  {path}::expects the wrong element" in result.stdout
    assert "step 2 (ASSERT_ELEMENT_INSTANCE): expected instance " in result.stdout
    assert (
        "to have Activity_CreateReplication active; Activity_CreateReplication is active 0 time(s) "
        "(it is waiting at Activity_CreateDatabase)" in result.stdout
    )
    assert "1 passed, 1 failed" in result.stdout


def test_models_named_with_resources_are_used_instead_of_the_folder(tmp_path: Path) -> None:
    path = case_file(tmp_path, {"name": "starts", "instructions": [C8_START]})
    missing = steadyflow_test(str(path))
    assert missing.returncode == 1
    assert "no .bpmn or .dmn file beside" in missing.stdout and "--resources" in missing.stdout
    found = steadyflow_test(str(path), "--resources", str(EXAMPLES / "database-creation-c8.bpmn"))
    assert found.returncode == 0, found.stdout


def test_min_coverage_fails_a_passing_run_below_the_threshold(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "database-creation-c8.bpmn", tmp_path)
    path = case_file(tmp_path, {"name": "starts", "instructions": [C8_START]})
    # Start event, the flow into the task and the task itself: 3 of 4 elements and 3 flows.
    below = steadyflow_test(str(path), "--min-coverage", "90")
    assert below.returncode == 1
    assert "coverage 42.9 % is below --min-coverage 90 %" in below.stderr
    assert steadyflow_test(str(path), "--min-coverage", "42").returncode == 0


def test_a_malformed_case_file_is_refused_with_the_step_and_the_fix(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "database-creation-c8.bpmn", tmp_path)
    path = case_file(tmp_path, {"name": "typo", "instructions": [C8_START, {"type": "COMPLETE_JOBS"}]})
    result = steadyflow_test(str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (
        f"ERROR {path}: {path}: test case \"typo\", step 2: unknown instruction type 'COMPLETE_JOBS'" in result.stdout
    )
    assert "known types: ASSERT_DECISION" in result.stdout


def test_an_instruction_steadyflow_cannot_run_fails_its_case_saying_so(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "database-creation-c8.bpmn", tmp_path)
    path = case_file(
        tmp_path,
        {"name": "dmn", "instructions": [{"type": "MOCK_DMN_DECISION", "decisionDefinitionId": "risk"}]},
    )
    result = steadyflow_test(str(path))
    assert result.returncode == 1
    assert "step 1 (MOCK_DMN_DECISION): MOCK_DMN_DECISION is not supported by steadyflow" in result.stdout


def test_decisions_are_evaluated_and_asserted_by_output_and_matched_rules(tmp_path: Path) -> None:
    evaluate = {
        "type": "EVALUATE_DECISION",
        "decisionDefinitionSelector": {"decisionDefinitionId": "dish"},
        "variables": {"month": 1, "guestCount": 5},
    }
    dish = {"type": "ASSERT_DECISION", "decisionSelector": {"decisionDefinitionId": "dish"}, "matchedRules": [2]}
    season = {"type": "ASSERT_DECISION", "decisionSelector": {"decisionDefinitionName": "Season"}, "output": "Winter"}
    path = case_file(
        tmp_path,
        {"name": "winter dinner", "instructions": [evaluate, {**dish, "output": "Roastbeef"}, season]},
        {"name": "wrong dish", "instructions": [evaluate, {**dish, "output": "Spareribs", "notMatchedRules": [2]}]},
        {"name": "nothing evaluated", "instructions": [season]},
    )
    dmn = ROOT / "tests" / "data" / "dmn"
    result = steadyflow_test(str(path), "--resources", str(dmn / "hit-policies-c8.dmn"), str(dmn / "decisions-c8.bpmn"))
    assert result.returncode == 1
    assert f"PASS  {path}::winter dinner" in result.stdout
    assert (
        "step 2 (ASSERT_DECISION): expected decision 'dish' to hold; its output is 'Roastbeef', not 'Spareribs'; "
        "it matched rules [2], which should not match" in result.stdout
    )
    assert (
        "step 1 (ASSERT_DECISION): expected decision 'Season' to have been evaluated; "
        "this case evaluated no decision" in result.stdout
    )


EXAMPLE_DATA_MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="example-data" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="Lookup" />
    <bpmn:serviceTask id="Lookup">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="lookup" />
        <zeebe:properties>
          <zeebe:property name="camundaModeler:exampleOutputJson"
            value="{&quot;customer&quot;: {&quot;tier&quot;: &quot;gold&quot;}}" />
        </zeebe:properties>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="Lookup" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_use_example_data_completes_a_job_with_the_modelers_example_output(tmp_path: Path) -> None:
    (tmp_path / "example-data.bpmn").write_text(EXAMPLE_DATA_MODEL, encoding="utf-8")
    start = {"type": "CREATE_PROCESS_INSTANCE", "processDefinitionSelector": {"processDefinitionId": "example-data"}}
    check = {
        "type": "ASSERT_VARIABLES",
        "processInstanceSelector": {"processDefinitionId": "example-data"},
        "variables": {"customer": {"tier": "gold"}},
    }
    path = case_file(
        tmp_path,
        {
            "name": "by hand",
            "instructions": [
                start,
                {"type": "COMPLETE_JOB", "jobSelector": {"jobType": "lookup"}, "useExampleData": True},
                check,
            ],
        },
        {
            "name": "by a mock",
            "instructions": [
                {"type": "MOCK_JOB_WORKER_COMPLETE_JOB", "jobType": "lookup", "useExampleData": True},
                start,
                check,
            ],
        },
    )
    result = steadyflow_test(str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed, 0 failed" in result.stdout

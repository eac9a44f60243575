"""``steadyflow test`` runs EVALUATE_CONDITIONAL_START_EVENT: instances start where the conditions hold."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.integration.test_process_test_cli import ROOT, case_file, steadyflow_test

CASES = ROOT / "tests" / "data" / "conditional-starts"


def test_the_conditional_start_cases_pass() -> None:
    result = steadyflow_test(str(CASES / "conditional-starts.test.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed, 0 failed" in result.stdout


def test_an_evaluation_whose_condition_is_false_starts_nothing_and_the_assertion_says_so(tmp_path: Path) -> None:
    for model in ("cooling.bpmn", "heating.bpmn"):
        shutil.copy(CASES / model, tmp_path)
    evaluate = {"type": "EVALUATE_CONDITIONAL_START_EVENT", "variables": {"temperature": 35}}
    expect_heating = {
        "type": "ASSERT_PROCESS_INSTANCE",
        "processInstanceSelector": {"processDefinitionId": "heating"},
        "state": "IS_ACTIVE",
    }
    filtered = {"type": "EVALUATE_CONDITIONAL_START_EVENT", "variables": {"humidity": 90}}
    expect_cooling = {**expect_heating, "processInstanceSelector": {"processDefinitionId": "cooling"}}
    path = case_file(
        tmp_path,
        {"name": "hot is not cold", "instructions": [evaluate, expect_heating]},
        {"name": "no temperature, no cooling", "instructions": [filtered, expect_cooling]},
    )
    result = steadyflow_test(str(path), "--timeout", "1")
    assert result.returncode == 1
    assert "FAIL  " in result.stdout and "hot is not cold" in result.stdout
    assert "step 2 (ASSERT_PROCESS_INSTANCE)" in result.stdout
    assert "0 passed, 2 failed" in result.stdout

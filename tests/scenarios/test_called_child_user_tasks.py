"""A process test completes a called child's user task by its drawn name, checked and typed by the child's form.

``c7-order-review`` calls ``c7-review``; both have a user task ``Review``: the child's is "Set the
price" with a required whole-number ``amount`` of at least 1, the caller's "Confirm the order" with
a text ``note``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.forms import FormValidationError
from steadyflow.testing import ProcessTest
from steadyflow.testing.suite import run_file
from tests.conftest import DATA

CALLS = DATA / "calls"


def test_the_childs_user_task_is_found_by_its_name_and_its_form_types_the_values(tmp_path: Path) -> None:
    with ProcessTest(tmp_path / "engine") as test:
        test.deploy(CALLS / "c7-order-review.bpmn", CALLS / "c7-review.bpmn")
        instance = test.start("c7-order-review")

        with pytest.raises(FormValidationError):
            test.complete_user_task(name="Set the price", variables={"amount": "0"})
        done = test.complete_user_task(name="Set the price", variables={"amount": "12"})
        confirmed = test.complete_user_task(name="Confirm the order", variables={"note": "ok"})

        assert done["variables"] == {"amount": 12}
        assert confirmed["variables"] == {"note": "ok"}
        assert test.engine.instance(instance.id).state == "completed"
        assert instance.variables["amount"] == 12


def test_a_camunda_test_case_selects_the_childs_element_and_user_task_by_their_drawn_names(tmp_path: Path) -> None:
    case = {
        "$schema": "https://camunda.com/json-schema/cpt-test-cases/8.9/schema.json",
        "testCases": [
            {
                "name": "the price is set inside the called review",
                "instructions": [
                    {
                        "type": "CREATE_PROCESS_INSTANCE",
                        "processDefinitionSelector": {"processDefinitionId": "c7-order-review"},
                    },
                    {
                        "type": "ASSERT_ELEMENT_INSTANCE",
                        "processInstanceSelector": {"processDefinitionId": "c7-order-review"},
                        "elementSelector": {"elementName": "Set the price"},
                        "state": "IS_ACTIVE",
                    },
                    {
                        "type": "COMPLETE_USER_TASK",
                        "userTaskSelector": {"taskName": "Set the price"},
                        "variables": {"amount": 12},
                    },
                    {
                        "type": "ASSERT_VARIABLES",
                        "processInstanceSelector": {"processDefinitionId": "c7-order-review"},
                        "variables": {"amount": 12},
                    },
                ],
            }
        ],
    }
    path = tmp_path / "review.test.json"
    path.write_text(json.dumps(case))

    result = run_file(path, resources=[CALLS / "c7-order-review.bpmn", CALLS / "c7-review.bpmn"])

    assert result.passed, [c.message for c in result.cases] or result.error

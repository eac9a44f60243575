"""The pytest plugin, tested with pytest's own pytester: each assertion passing and failing, and what it says."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

from tests.conftest import DATA, EXAMPLES

pytest_plugins = ["pytester"]

INSTALLED = any(e.name == "steadyflow" for e in entry_points(group="pytest11"))
PLUGIN_ARGS = [] if INSTALLED else ["-p", "steadyflow.testing.plugin"]

HEADER = f"""
from steadyflow.testing import assert_that

C8 = {str(EXAMPLES / "database-creation-c8.bpmn")!r}
C7 = {str(EXAMPLES / "database-creation.bpmn")!r}
CONSTRUCTS = {str(DATA / "constructs")!r}

def started(process_test, regions=("eu", "us")):
    process_test.deploy(C8)
    process_test.mock_job("create-database").answers(lambda v: {{"regionDatabase": "db-" + v["region"]}})
    return process_test.start("database-creation-c8", {{"regions": list(regions)}})
"""


def run(pytester: pytest.Pytester, body: str) -> pytest.RunResult:
    pytester.makepyfile(test_process=HEADER + body)
    return pytester.runpytest(*PLUGIN_ARGS, "-p", "no:cacheprovider", "-q")


def test_is_waiting_at_passes_when_the_instance_waits_there(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_waits(process_test):
    assert_that(started(process_test)).is_waiting_at("Activity_CreateReplication")
""",
    )
    result.assert_outcomes(passed=1)


def test_is_waiting_at_fails_naming_where_the_instance_waits(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_waits(process_test):
    assert_that(started(process_test)).is_waiting_at("EndEvent_DatabaseReady")
""",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*expected instance * of 'database-creation-c8' to be waiting at EndEvent_DatabaseReady; "
            "it is waiting at Activity_CreateReplication*"
        ]
    )


def test_has_passed_and_has_not_passed_hold_on_the_path_taken(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_path(process_test):
    instance = started(process_test)
    assert_that(instance).has_passed("StartEvent_RequestReceived", "Activity_CreateDatabase")
    assert_that(instance).has_passed_in_order("StartEvent_RequestReceived", "Activity_CreateDatabase")
    assert_that(instance).has_not_passed("Activity_CreateReplication", "EndEvent_DatabaseReady")
""",
    )
    result.assert_outcomes(passed=1)


def test_has_passed_fails_listing_the_elements_passed(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_path(process_test):
    assert_that(started(process_test)).has_passed("EndEvent_DatabaseReady")
""",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*to have passed EndEvent_DatabaseReady; it has passed StartEvent_RequestReceived, Activity_CreateDatabase "
            "(it is waiting at Activity_CreateReplication)*"
        ]
    )


def test_has_not_passed_fails_naming_the_element_passed(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_path(process_test):
    assert_that(started(process_test)).has_not_passed("Activity_CreateDatabase")
""",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*not to have passed Activity_CreateDatabase; it passed Activity_CreateDatabase*"])


def test_has_variables_passes_on_equal_values_and_fails_showing_the_value_seen(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_right(process_test):
    assert_that(started(process_test)).has_variables("regions", regionDatabases=["db-eu", "db-us"])

def test_wrong(process_test):
    assert_that(started(process_test)).has_variables({"regionDatabases": ["db-eu"], "owner": "ana"})
""",
    )
    result.assert_outcomes(passed=1, failed=1)
    assert (
        "'regionDatabases' is ['db-eu', 'db-us'], not ['db-eu']; 'owner' is not set "
        "(variables: regionDatabase, regionDatabases, regions)"
    ) in result.stdout.str()


def test_is_completed_passes_once_every_job_is_answered_and_fails_saying_where_it_waits(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
def test_done(process_test):
    instance = started(process_test)
    process_test.mock_job("create-replication").returns({"replicated": True})
    assert_that(instance).is_completed().has_passed("EndEvent_DatabaseReady").has_variables(replicated=True)

def test_not_done(process_test):
    assert_that(started(process_test)).is_completed()
""",
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*to be completed; it is active, waiting at Activity_CreateReplication*"])


def test_has_incident_after_the_retries_are_used_up_and_fails_when_there_is_none(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_incident(process_test):
    instance = started(process_test)
    process_test.mock_job("create-replication").fails(times=3, message="replica refused")
    assert_that(instance).has_incident("Activity_CreateReplication", message="replica refused")

def test_recovers(process_test):
    instance = started(process_test)
    mock = process_test.mock_job("create-replication").fails(times=2).returns({})
    assert_that(instance).is_completed().has_no_incidents()
    assert [call.answer for call in mock.calls] == ["fail", "fail", "complete"]

def test_no_incident(process_test):
    assert_that(started(process_test)).has_incident("Activity_CreateReplication")
""",
    )
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*to have an incident at Activity_CreateReplication; it has no open incident "
            "(it is waiting at Activity_CreateReplication)*"
        ]
    )


def test_a_bpmn_error_from_a_mock_reaches_the_error_boundary(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_boundary(process_test):
    process_test.deploy(CONSTRUCTS + "/c8-error-boundary.bpmn")
    process_test.mock_job("check-stock").throws_bpmn_error("OUT_OF_STOCK")
    process_test.mock_job("backorder").returns({"backordered": True})
    instance = process_test.start("c8-error-boundary", {})
    assert_that(instance).is_completed().has_passed("Event_14dtf08", "Activity_1fyxj6s")
    assert_that(instance).has_not_passed("Event_1awcf03").has_terminated("Activity_1p406j7")
""",
    )
    result.assert_outcomes(passed=1)


def test_the_clock_fires_a_timer_only_when_advanced_past_it(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        f"""
TIMER = {str(DATA / "intermediate-timer.bpmn")!r}

def test_timer(process_test, clock):
    process_test.deploy(TIMER)
    instance = process_test.start("intermediate-timer", {{"wait": "P2D"}})
    clock.advance("PT1H")
    assert_that(instance).is_waiting_at("Wait").has_not_passed("Wait")
    clock.advance("P3D")
    assert_that(instance).has_passed("Wait").is_waiting_at("After")
""",
    )
    result.assert_outcomes(passed=1)


def test_user_task_completion_is_checked_against_its_form(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        f"""
import pytest
from engine.forms import FormValidationError

FORM = {str(DATA / "user-task-form.bpmn")!r}

def test_form(process_test):
    process_test.deploy(FORM)
    instance = process_test.start("approval", {{}})
    with pytest.raises(FormValidationError, match="size_gb: must be at most 500"):
        process_test.complete_user_task("Approve", {{"size_gb": 900}})
    assert_that(instance).is_waiting_at("Approve")
    process_test.complete_user_task("Approve", {{"tier": "gold"}}, use_form_defaults=True)
    assert_that(instance).is_completed().has_variables(size_gb=10, tier="gold", approved=False)
""",
    )
    result.assert_outcomes(passed=1)


def test_a_failing_check_inside_a_test_names_the_open_user_tasks(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        f"""
FORM = {str(DATA / "user-task-form.bpmn")!r}

def test_form(process_test):
    process_test.deploy(FORM)
    process_test.start("approval", {{}})
    process_test.complete_user_task("Reject")
""",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*expected a user task 'Reject' to be open; the open user tasks are at Approve*"])


def test_case_files_are_collected_one_item_per_case_with_the_failing_step_reported(pytester: pytest.Pytester) -> None:
    import json
    import shutil

    shutil.copy(EXAMPLES / "database-creation-c8.bpmn", pytester.path)
    start = {
        "type": "CREATE_PROCESS_INSTANCE",
        "processDefinitionSelector": {"processDefinitionId": "database-creation-c8"},
        "variables": {"regions": ["eu"]},
    }
    waits = {
        "type": "ASSERT_ELEMENT_INSTANCE",
        "processInstanceSelector": {"processDefinitionId": "database-creation-c8"},
        "elementSelector": {"elementName": "Create replication"},
        "state": "IS_ACTIVE",
    }
    cases = [
        {
            "name": "waits for the worker",
            "instructions": [start, {**waits, "elementSelector": {"elementId": "Activity_CreateDatabase"}}],
        },
        {"name": "replication without a worker", "instructions": [start, waits]},
    ]
    (pytester.path / "database.test.json").write_text(json.dumps({"testCases": cases}))
    result = pytester.runpytest(*PLUGIN_ARGS, "-p", "no:cacheprovider", "-q", "--steadyflow-timeout", "0.2")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            '*test case "replication without a worker" failed at step 2 (ASSERT_ELEMENT_INSTANCE): expected instance '
            "* to have Activity_CreateReplication active; Activity_CreateReplication is active 0 time(s) "
            "(it is waiting at Activity_CreateDatabase)*"
        ]
    )


def test_the_stricter_assertions_fail_with_what_was_seen(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_exactly(process_test):
    process_test.deploy(C7)
    instance = process_test.start("database-creation", {})
    assert_that(instance).is_waiting_exactly_at("Activity_CreateDatabaseIstanbul", "Activity_CreateDatabaseAnkara")
    assert_that(instance).is_waiting_exactly_at("Activity_CreateDatabaseIstanbul")

def test_order(process_test):
    instance = started(process_test)
    assert_that(instance).has_passed_in_order("Activity_CreateDatabase", "StartEvent_RequestReceived")

def test_no_incidents(process_test):
    instance = started(process_test)
    process_test.mock_job("create-replication").fails(times=3, message="replica refused")
    assert_that(instance).has_no_incidents()
""",
    )
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(
        [
            "*to be waiting at exactly Activity_CreateDatabaseIstanbul; it is waiting at "
            "Activity_CreateDatabaseIstanbul, Activity_CreateDatabaseAnkara*",
            "*to have passed Activity_CreateDatabase, StartEvent_RequestReceived in this order; "
            "it has passed StartEvent_RequestReceived, Activity_CreateDatabase*",
            "*to have no open incident; it has: at Activity_CreateReplication: replica refused*",
        ]
    )


def test_published_messages_correlate_by_key_now_or_within_their_time_to_live(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_messages(process_test, clock):
    process_test.deploy(CONSTRUCTS + "/c8-message-catch.bpmn")
    instance = process_test.start("c8-message-catch", {"orderId": "o-1", "trackingNumber": "t-1"})
    assert process_test.publish_message("payment-received", "o-2") == []
    assert_that(instance).is_waiting_at("Event_1420rox")
    process_test.publish_message("shipment-dispatched", "t-1", {"carrier": "DHL"}, time_to_live="PT1M")
    process_test.publish_message("payment-received", "o-1", {"paid": 12})
    assert_that(instance).is_completed().has_variables(paid=12, carrier="DHL")

def test_expired(process_test, clock):
    process_test.deploy(CONSTRUCTS + "/c8-message-catch.bpmn")
    instance = process_test.start("c8-message-catch", {"orderId": "o-1", "trackingNumber": "t-1"})
    process_test.publish_message("shipment-dispatched", "t-1", time_to_live="PT1M")
    clock.advance("PT2M")
    process_test.publish_message("payment-received", "o-1")
    assert_that(instance).is_waiting_at("Activity_0svn8ts")
""",
    )
    result.assert_outcomes(passed=2)


def test_the_session_writes_coverage_and_fails_below_the_minimum(pytester: pytest.Pytester) -> None:
    import json

    pytester.makepyfile(
        test_process=HEADER
        + """
def test_half(process_test):
    started(process_test)
"""
    )
    report = pytester.path / "cov"
    result = pytester.runpytest(
        *PLUGIN_ARGS,
        "-p",
        "no:cacheprovider",
        "-q",
        "--steadyflow-coverage",
        str(report),
        "--steadyflow-min-coverage",
        "90",
    )
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*steadyflow process coverage 71.4 % is below 90 %*"])
    data = json.loads((report / "coverage.json").read_text())
    (process,) = data["processes"]
    assert process["process_id"] == "database-creation-c8"
    # Waiting at the replication task: start, both tasks and the two flows between them; 5 of 7.
    assert process["elements"]["covered"] == [
        "Activity_CreateDatabase",
        "Activity_CreateReplication",
        "StartEvent_RequestReceived",
    ]
    assert process["flows"]["covered"] == ["Flow_1", "Flow_2"]
    assert (report / "coverage.html").is_file()

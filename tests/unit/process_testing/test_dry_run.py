"""Dry runs: a model run with stubs before it is deployed; where it stops and why; nothing stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from steadyflow.errors import InvalidInputError, ModelValidationError
from steadyflow.testing.dry_run import dry_run
from tests.conftest import DATA, EXAMPLES

CONSTRUCTS = DATA / "constructs"


def files(*paths: Path) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in paths]


def test_the_example_runs_to_its_end_with_every_job_answering_nothing() -> None:
    result = dry_run(files(EXAMPLES / "database-creation-c8.bpmn"), {"regions": ["eu", "us"]})
    assert result.state == "completed"
    assert result.elements == [
        "StartEvent_RequestReceived",
        "Activity_CreateDatabase",
        "Activity_CreateReplication",
        "EndEvent_DatabaseReady",
    ]
    assert result.flows == ["Flow_1", "Flow_2", "Flow_3"]
    assert result.variables["regionDatabases"] == [None, None]
    assert result.stops == []


def test_a_stub_answers_for_its_job_type_and_steers_the_gateway() -> None:
    result = dry_run(
        files(CONSTRUCTS / "c8-error-boundary.bpmn"),
        stubs={"check-stock": {"inStock": False}},
    )
    assert result.state == "completed"
    assert "Event_14dtf08" in result.elements and "Activity_1fyxj6s" in result.elements
    assert result.variables["inStock"] is False


def test_timers_fire_at_once_and_are_noted() -> None:
    result = dry_run(files(CONSTRUCTS / "c8-event-based-gateway.bpmn"), {"ticketId": "T", "timeout": "P2D"})
    assert result.state == "completed"
    assert result.elements[-2:] == ["Event_1nb7xrb", "Event_1le4euv"]
    assert result.notes == ["fired a timer after 172800 s"]


def test_a_message_nobody_sends_is_where_it_stops() -> None:
    result = dry_run(files(CONSTRUCTS / "c8-message-catch.bpmn"), {"orderId": "o-1"})
    assert result.state == "waiting"
    assert [(s.element_id, s.reason) for s in result.stops] == [
        ("Event_1420rox", "waits for message 'payment-received' with correlation key 'o-1'")
    ]


def test_user_tasks_take_their_form_defaults_or_stop_on_a_required_field() -> None:
    approval = dry_run(files(DATA / "user-task-form.bpmn"))
    assert approval.state == "completed"
    assert approval.variables["size_gb"] == 10
    assert approval.notes[0].startswith("completed user task Approve with its form defaults (size_gb=10")
    review = dry_run(files(CONSTRUCTS / "c8-user-task-form.bpmn"))
    assert review.state == "waiting"
    assert review.stops[0].element_id == "Activity_0wlrj25"
    assert "comment: is required" in review.stops[0].reason


def test_a_missing_variable_stops_at_an_incident_that_names_it() -> None:
    result = dry_run(files(CONSTRUCTS / "c8-timer-events.bpmn"))
    assert result.state == "incident"
    assert "the timer of element 'Event_1xowi2z' gave None" in result.stops[-1].reason


def test_an_unknown_process_or_a_refused_model_is_a_clear_error() -> None:
    with pytest.raises(InvalidInputError, match="process 'nope' is not in the uploaded files; they hold c8-message"):
        dry_run(files(CONSTRUCTS / "c8-message-catch.bpmn"), process_id="nope")
    with pytest.raises(ModelValidationError):
        dry_run(files(DATA / "reserved-id.bpmn"))


def test_decisions_alone_are_not_a_process_to_run() -> None:
    with pytest.raises(InvalidInputError, match="the files hold no process to run"):
        dry_run(files(DATA / "dmn" / "hit-policies-c8.dmn"))


def test_a_business_rule_task_whose_decision_reference_is_missing_stops_there() -> None:
    result = dry_run(
        files(DATA / "dmn" / "hit-policies-c8.dmn", DATA / "dmn" / "mapped-c8.bpmn"),
        {"month": 1, "guestCount": 5},
    )
    assert result.state == "incident"
    assert result.elements == ["StartEvent_1", "Decide_pinned"]
    assert [s.element_id for s in result.stops] == ["Decide_latest"]
    assert "the decision reference gave None" in result.stops[0].reason

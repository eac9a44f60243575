"""Business rule tasks evaluate DMN decisions in their step, in both dialects, with Camunda's result mappings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.engine import Engine

DATA = Path(__file__).resolve().parents[1] / "data" / "dmn"

ORDER: dict[str, Any] = {
    "month": 7,
    "guestCount": 2,
    "guestsWithChildren": True,
    "customer": "gold",
    "amount": 600,
    "age": 30,
    "debt": 20000,
}


def deploy(engine: Engine, dialect: str) -> None:
    names = (f"hit-policies-{dialect}.dmn", f"decisions-{dialect}.bpmn")
    engine.deploy([(name, (DATA / name).read_bytes()) for name in names])


def test_camunda_7_tasks_map_each_hit_policy_result_as_camunda_does(engine: Engine) -> None:
    deploy(engine, "c7")
    instance = engine.start("c7-decisions", dict(ORDER))
    assert engine.instance(instance.id).state == "completed"
    variables = engine.variables(instance.id)
    assert variables["beverages"] == ["Pinot Noir", "Apple Juice", "Water"]  # collectEntries over a DRG
    assert variables["dish"] == "Light Salad and a nice Steak"  # singleEntry, UNIQUE
    assert variables["discount"] == {"discount": 0.1, "reason": "gold"}  # singleResult, FIRST
    assert variables["risk"] == "high"  # PRIORITY
    assert variables["approved"] is True  # ANY
    assert (variables["pointsSum"], variables["pointsMin"], variables["pointsMax"]) == (70, 10, 50)
    assert variables["pointsCount"] == 3
    assert variables["checks"] == [{"check": "log", "team": "ops"}]  # resultList, RULE ORDER
    assert variables["actions"] == ["notify", "archive"]  # OUTPUT ORDER


def test_camunda_8_tasks_store_the_decisions_dmn_value(engine: Engine) -> None:
    deploy(engine, "c8")
    instance = engine.start("c8-decisions", {**ORDER, "customer": "silver", "amount": 5000})
    assert engine.instance(instance.id).state == "completed"
    variables = engine.variables(instance.id)
    assert variables["beverages"] == ["Pinot Noir", "Apple Juice", "Water"]
    assert variables["discount"] == {"discount": 0.05, "reason": "large"}
    assert variables["approved"] is False
    assert variables["pointsSum"] == 65 and variables["pointsCount"] == 3
    assert variables["checks"] == [
        {"check": "manual review", "team": "finance"},
        {"check": "credit check", "team": "risk"},
        {"check": "log", "team": "ops"},
    ]
    assert variables["actions"] == ["escalate", "notify", "archive"]


def test_each_evaluation_is_recorded_with_inputs_matched_rules_and_outputs(engine: Engine) -> None:
    deploy(engine, "c7")
    instance = engine.start("c7-decisions", dict(ORDER))
    evaluations = engine.definitions.decisions.evaluations(instance_id=instance.id)
    assert [e["decision_key"] for e in evaluations][:3] == ["beverages", "dish", "discount"]
    drg = evaluations[0]["record"]
    assert [d["decision_id"] for d in drg] == ["season", "dish", "beverages"]
    assert drg[0]["inputs"][0]["value"] == 7 and drg[0]["matched_rules"] == [{"id": "season_rule3", "number": 3}]
    assert drg[2]["results"] == [{"beverages": "Pinot Noir"}, {"beverages": "Apple Juice"}, {"beverages": "Water"}]
    events = [e for e in engine.view(instance.id).history if e["type"] == "DecisionEvaluated"]
    assert len(events) == 11 and events[0]["data"]["decision_key"] == "beverages"


@pytest.mark.parametrize("dialect", ["c7", "c8"])
def test_an_evaluation_error_is_an_incident_naming_decision_and_input(engine: Engine, dialect: str) -> None:
    deploy(engine, dialect)
    instance = engine.start(f"{dialect}-decisions", {**ORDER, "month": 13})
    view = engine.view(instance.id)
    assert engine.instance(instance.id).state == "running"
    (incident,) = view.incidents
    assert incident["element_id"] == "Decide_beverages"
    assert "decision 'dish'" in incident["message"] and "input 1 'Season'" in incident["message"]


def test_an_undeployed_decision_is_an_incident_and_deploying_it_lets_the_retry_pass(engine: Engine) -> None:
    engine.deploy([("decisions-c8.bpmn", (DATA / "decisions-c8.bpmn").read_bytes())])
    instance = engine.start("c8-decisions", dict(ORDER))
    (incident,) = engine.view(instance.id).incidents
    assert "decision 'beverages'" in incident["message"] and "not deployed" in incident["message"]
    engine.deploy([("hit-policies-c8.dmn", (DATA / "hit-policies-c8.dmn").read_bytes())])
    engine.retry(instance.id)
    assert engine.instance(instance.id).state == "completed"


def test_a_new_dmn_version_is_used_by_the_next_evaluation(engine: Engine) -> None:
    deploy(engine, "c8")
    first = engine.start("c8-decisions", dict(ORDER))
    changed = (DATA / "hit-policies-c8.dmn").read_bytes().replace(b'"Pinot Noir"', b'"Barolo"')
    deployment = engine.deploy([("hit-policies-c8.dmn", changed)])
    assert {d.definition.version for d in deployment.decisions} == {2}
    second = engine.start("c8-decisions", dict(ORDER))
    assert engine.variables(first.id)["beverages"][0] == "Pinot Noir"
    assert engine.variables(second.id)["beverages"][0] == "Barolo"
    unchanged = engine.deploy([("hit-policies-c8.dmn", changed)])
    assert not unchanged.changed


def test_camunda_7_pins_a_version_and_maps_inputs_and_outputs(engine: Engine) -> None:
    dmn = (DATA / "hit-policies-c7.dmn").read_bytes()
    engine.deploy(
        [("hit-policies-c7.dmn", dmn), ("pinned-version-c7.bpmn", (DATA / "pinned-version-c7.bpmn").read_bytes())]
    )
    engine.deploy([("hit-policies-c7.dmn", dmn.replace(b'"Spareribs"', b'"Pulled pork"'))])
    instance = engine.start("pinned-version-c7", {"month": 10, "guests": 4})
    variables = engine.variables(instance.id)
    assert variables["dish"] == "Spareribs" and variables["meal"] == "Spareribs"  # version 1, output parameter
    assert variables["latestDish"] == "Pulled pork"  # the latest version, by a JUEL decisionRef
    assert "guestCount" not in variables  # input parameters stay local to the task, as in Camunda 7


def test_camunda_8_maps_inputs_and_outputs_and_takes_the_decision_id_from_feel(engine: Engine) -> None:
    engine.deploy([("hit-policies-c8.dmn", (DATA / "hit-policies-c8.dmn").read_bytes())])
    engine.deploy([("mapped-c8.bpmn", (DATA / "mapped-c8.bpmn").read_bytes())])
    instance = engine.start("mapped-c8", {"month": 1, "guests": 12, "which": "dish"})
    variables = engine.variables(instance.id)
    assert variables["meal"] == "STEW"
    assert "dish" not in variables  # with output mappings the result variable stays local (Camunda 8)
    assert variables["latestDish"] == "Stew"

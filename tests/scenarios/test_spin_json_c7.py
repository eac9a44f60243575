"""Camunda 7 models that read JSON variables with Spin (``S(order).prop("a").stringValue()``) run as in Camunda."""

from __future__ import annotations

from typing import Any

import pytest

from engine.engine import Engine
from tests.conftest import run_jobs
from tests.scenarios.constructs_support import Construct, Jobs

ORDER: dict[str, Any] = {
    "priority": "high",
    "paid": True,
    "customer": {"name": "Ada"},
    "items": [{"sku": "db-small"}, {"sku": "db-large"}],
}


def test_spin_conditions_route_and_spin_input_parameters_reach_the_job(engine: Engine) -> None:
    model = Construct(engine, "c7-spin-json.bpmn")
    instance = engine.start("c7-spin-json", {"order": ORDER})
    jobs = Jobs()

    run_jobs(engine, {"ship-express": jobs.answer()})

    (run,) = jobs.seen("ship-express")
    assert run["customerName"] == "Ada"
    assert run["firstSku"] == "db-small"
    assert run["label"] == "Express for Ada"
    assert engine.instance(instance.id).state == "completed"
    assert "Shipped express" in model.completed(instance.id)


@pytest.mark.parametrize(
    ("order", "lane"),
    [
        ({"priority": "low", "paid": True, "items": [{}, {}, {}, {}]}, "Sent to the bulk lane"),
        ({"priority": "high", "paid": False, "items": []}, "Standard lane"),
        ({"priority": "low", "paid": True}, "Standard lane"),
    ],
)
def test_spin_conditions_pick_the_lane_the_json_says(engine: Engine, order: dict[str, Any], lane: str) -> None:
    model = Construct(engine, "c7-spin-json.bpmn")
    instance = engine.start("c7-spin-json", {"order": order})
    assert engine.instance(instance.id).state == "completed"
    assert lane in model.completed(instance.id)


def test_json_sent_as_text_is_read_by_spin_too(engine: Engine) -> None:
    Construct(engine, "c7-spin-json.bpmn")
    instance = engine.start("c7-spin-json", {"order": '{"priority": "low", "paid": true, "items": [1, 2, 3, 4, 5]}'})
    assert engine.instance(instance.id).state == "completed"


def test_a_missing_json_property_is_an_incident_naming_it(engine: Engine) -> None:
    Construct(engine, "c7-spin-json.bpmn")
    instance = engine.start("c7-spin-json", {"order": {"paid": True}})
    view = engine.view(instance.id)
    (incident,) = [i for i in view.incidents if i["state"] == "open"]
    assert incident["element_id"] == "Gateway_0route"
    assert "no property 'priority'" in incident["message"]
    assert "hasProp" in incident["message"]

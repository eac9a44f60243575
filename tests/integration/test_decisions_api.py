"""DMN over every API: deploy .dmn with .bpmn, evaluate (/api/v1, /engine-rest, /v2), read the recorded evaluations."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from werkzeug.test import TestResponse

from engine.engine import Engine

Call = Callable[..., TestResponse]
DATA = Path(__file__).resolve().parents[1] / "data" / "dmn"


def files(dialect: str) -> list[tuple[str, bytes]]:
    names = (f"hit-policies-{dialect}.dmn", f"decisions-{dialect}.bpmn")
    return [(name, (DATA / name).read_bytes()) for name in names]


def test_api_v1_deploys_dmn_evaluates_and_lists_evaluations(as_role: Call) -> None:
    data = {f"file{i}": (io.BytesIO(body), name) for i, (name, body) in enumerate(files("c7"))}
    deployed = as_role("admin", "post", "/api/v1/deployments", data=data)
    assert deployed.status_code == 201, deployed.get_json()
    keys = {d["key"] for d in deployed.get_json()["decisions"]}
    assert {"dish", "season", "beverages", "points_count"} <= keys
    answer = as_role(
        "operator",
        "post",
        "/api/v1/decision-definitions/dish/evaluate",
        json={"variables": {"month": 1, "guestCount": 3}},
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["value"] == "Roastbeef" and body["results"] == [{"desiredDish": "Roastbeef"}]
    assert [e["decision_id"] for e in body["evaluations"]] == ["season", "dish"]
    listed = as_role("viewer", "get", "/api/v1/decision-definitions").get_json()["items"]
    assert next(d for d in listed if d["key"] == "dish")["evaluations"] == 1
    recorded = as_role("viewer", "get", "/api/v1/decision-definitions/dish/evaluations").get_json()["items"]
    assert recorded[0]["id"] == body["evaluation_id"]
    assert recorded[0]["record"][1]["matched_rules"] == [{"id": "dish_rule2", "number": 2}]
    one = as_role("viewer", "get", "/api/v1/decision-definitions/dish").get_json()
    assert one["version"] == 1 and "decisionTable" in one["xml"] and one["filename"] == "hit-policies-c7.dmn"


def test_api_v1_refuses_bad_evaluations_with_4xx_naming_the_problem(as_role: Call, engine: Engine) -> None:
    engine.deploy(files("c8"))
    path = "/api/v1/decision-definitions/dish/evaluate"
    assert as_role("viewer", "post", path, json={}).status_code == 403
    not_object = as_role("operator", "post", path, json={"variables": [1]})
    assert (
        not_object.status_code == 400 and "'variables' must be an object" in not_object.get_json()["error"]["message"]
    )
    unknown = as_role("operator", "post", "/api/v1/decision-definitions/dsh/evaluate", json={})
    assert unknown.status_code == 404 and "did you mean 'dish'" in unknown.get_json()["error"]["message"]
    failing = as_role("operator", "post", path, json={"variables": {"month": 13}})
    assert failing.status_code == 400
    assert "decision 'dish'" in failing.get_json()["error"]["message"]
    assert "input 1 'Season'" in failing.get_json()["error"]["message"]
    assert as_role("operator", "post", path, json={"version": 0}).status_code == 400
    assert engine.decisions.evaluations(key="dish") == []  # nothing was recorded for refused evaluations


def test_engine_rest_deploys_dmn_and_evaluates_with_typed_variables(as_role: Call) -> None:
    data: dict[str, Any] = {name: (io.BytesIO(body), name) for name, body in files("c7")}
    data["deployment-name"] = "decisions"
    created = as_role("admin", "post", "/engine-rest/deployment/create", data=data, content_type="multipart/form-data")
    assert created.status_code == 200, created.get_json()
    deployed = created.get_json()["deployedDecisionDefinitions"]
    assert {d["key"] for d in deployed.values()} >= {"dish", "season"}
    assert next(iter(deployed.values()))["resource"] == "hit-policies-c7.dmn"
    variables = {"amount": {"value": 5000, "type": "Double"}, "customer": {"value": "silver", "type": "String"}}
    answer = as_role(
        "operator", "post", "/engine-rest/decision-definition/key/checks/evaluate", json={"variables": variables}
    )
    assert answer.status_code == 200, answer.get_json()
    rows = answer.get_json()
    assert [r["check"]["value"] for r in rows] == ["manual review", "credit check", "log"]
    assert rows[0]["team"] == {"type": "String", "value": "finance", "valueInfo": {}}
    missing = as_role("operator", "post", "/engine-rest/decision-definition/key/nope/evaluate", json={})
    assert missing.status_code == 404
    got = as_role("viewer", "get", "/engine-rest/decision-definition/key/dish").get_json()
    assert got["key"] == "dish" and got["version"] == 1


def test_camunda_8_deploys_dmn_and_evaluates_by_id_or_key(as_role: Call) -> None:
    data: dict[str, Any] = {"resources": [(io.BytesIO(body), name) for name, body in files("c8")]}
    created = as_role("admin", "post", "/v2/deployments", data=data, content_type="multipart/form-data")
    assert created.status_code == 200, created.get_json()
    entries = created.get_json()["deployments"]
    decisions = [e["decisionDefinition"] for e in entries if "decisionDefinition" in e]
    requirements = [e["decisionRequirements"] for e in entries if "decisionRequirements" in e]
    assert requirements[0]["resourceName"] == "hit-policies-c8.dmn"
    risk = next(d for d in decisions if d["decisionDefinitionId"] == "risk")
    by_id = as_role(
        "operator",
        "post",
        "/v2/decision-definitions/evaluation",
        json={"decisionDefinitionId": "beverages", "variables": {"month": 12, "guestCount": 10}},
    )
    assert by_id.status_code == 200, by_id.get_json()
    body = by_id.get_json()
    assert json.loads(body["output"]) == ["Guiness", "Water"]
    assert [d["decisionDefinitionId"] for d in body["evaluatedDecisions"]] == ["season", "dish", "beverages"]
    assert body["evaluatedDecisions"][1]["matchedRules"][0]["ruleId"] == "dish_rule5"
    by_key = as_role(
        "operator",
        "post",
        "/v2/decision-definitions/evaluation",
        json={"decisionDefinitionKey": risk["decisionDefinitionKey"], "variables": {"age": 20, "debt": 0}},
    )
    assert json.loads(by_key.get_json()["output"]) == "medium"
    both = as_role(
        "operator",
        "post",
        "/v2/decision-definitions/evaluation",
        json={"decisionDefinitionId": "risk", "decisionDefinitionKey": "1"},
    )
    assert both.status_code == 400


def test_an_instance_lists_the_decisions_its_tasks_evaluated(as_role: Call, engine: Engine) -> None:
    engine.deploy(files("c8"))
    instance = engine.start(
        "c8-decisions", {"month": 3, "guestCount": 2, "amount": 10, "customer": "gold", "age": 1, "debt": 0}
    )
    items = as_role("viewer", "get", f"/api/v1/instances/{instance.id}/decision-evaluations").get_json()["items"]
    assert [i["decision_key"] for i in items][:2] == ["beverages", "dish"]
    assert items[1]["element_id"] == "Decide_dish" and items[1]["record"][-1]["value"] == "Dry Aged Gourmet Steak"


def test_modeler_deploys_a_dmn_file_alone_through_either_camunda_api(as_role: Call) -> None:
    name, body = files("c7")[0]
    c7 = as_role(
        "admin",
        "post",
        "/engine-rest/deployment/create",
        data={name: (io.BytesIO(body), name), "deployment-name": "rules"},
        content_type="multipart/form-data",
    )
    assert c7.status_code == 200, c7.get_json()
    assert c7.get_json()["deployedProcessDefinitions"] is None
    assert len(c7.get_json()["deployedDecisionDefinitions"]) == 12
    again = as_role(
        "admin",
        "post",
        "/engine-rest/deployment/create",
        data={name: (io.BytesIO(body), name)},
        content_type="multipart/form-data",
    )
    assert again.status_code == 200 and again.get_json()["deployedDecisionDefinitions"] is None
    c8_name, c8_body = files("c8")[0]
    c8 = as_role(
        "admin",
        "post",
        "/v2/deployments",
        data={"resources": [(io.BytesIO(c8_body), c8_name)]},
        content_type="multipart/form-data",
    )
    assert c8.status_code == 200, c8.get_json()
    kinds = [next(iter(entry)) for entry in c8.get_json()["deployments"]]
    assert kinds.count("decisionDefinition") == 12 and kinds.count("decisionRequirements") == 1


def test_every_decision_endpoint_and_page_needs_a_login(client: Any) -> None:
    for path in (
        "/api/v1/decision-definitions",
        "/api/v1/decision-definitions/dish",
        "/engine-rest/decision-definition",
        "/engine-rest/decision-definition/key/dish",
    ):
        assert client.get(path).status_code == 401, path
    assert client.post("/v2/decision-definitions/evaluation", json={}).status_code == 401
    assert client.post("/engine-rest/decision-definition/key/dish/evaluate", json={}).status_code == 401
    page = client.get("/decisions")
    assert page.status_code in (302, 401) and "/login" in page.headers.get("Location", "/login")

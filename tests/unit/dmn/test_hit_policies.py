"""Every hit policy, from tables saved as Camunda Modeler saves them (C7 and C8 namespaces)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dmn import DecisionModel, evaluate_decision, parse_decisions
from steadyflow.errors import DecisionEvaluationError, NotFoundError

DATA = Path(__file__).resolve().parents[2] / "data" / "dmn"


@pytest.fixture(params=["hit-policies-c7.dmn", "hit-policies-c8.dmn"])
def model(request: pytest.FixtureRequest) -> DecisionModel:
    name = str(request.param)
    return parse_decisions((DATA / name).read_bytes(), name)


def value(model: DecisionModel, decision: str, **variables: Any) -> Any:
    return evaluate_decision(model, decision, variables).value


def test_unique_picks_the_one_matching_rule(model: DecisionModel) -> None:
    assert value(model, "dish", month=10, guestCount=4) == "Spareribs"
    assert value(model, "dish", month=4, guestCount=6) == "Steak"


def test_unique_with_no_match_is_null(model: DecisionModel) -> None:
    assert value(model, "season", month=13) is None
    assert evaluate_decision(model, "season", {"month": 13}).results == []


def test_first_takes_the_first_matching_rule_in_table_order(model: DecisionModel) -> None:
    assert value(model, "discount", customer="gold", amount=2000) == {"discount": 0.15, "reason": "gold and large"}
    assert value(model, "discount", customer="silver", amount=10) == {"discount": 0, "reason": "none"}


def test_priority_takes_the_match_whose_output_comes_first_in_the_output_values(model: DecisionModel) -> None:
    assert value(model, "risk", age=20, debt=20000) == "high"
    assert value(model, "risk", age=20, debt=0) == "medium"
    assert value(model, "risk", age=40, debt=0) == "low"


def test_any_accepts_overlapping_rules_with_equal_outputs_and_refuses_different_ones(model: DecisionModel) -> None:
    assert value(model, "approval", amount=100, customer="gold") is True
    with pytest.raises(DecisionEvaluationError, match=r"decision 'approval'.*ANY, but rules 1, 4 match"):
        value(model, "approval", amount=100, customer="blocked")


@pytest.mark.parametrize(("decision", "expected"), [("sum", 70), ("min", 10), ("max", 50), ("count", 3)])
def test_collect_aggregates_the_outputs_of_all_matches(model: DecisionModel, decision: str, expected: int) -> None:
    assert value(model, f"points_{decision}", amount=600, customer="gold") == expected


def test_collect_aggregations_over_no_match_give_null_and_count_zero(model: DecisionModel) -> None:
    assert value(model, "points_sum", amount=1, customer="none") is None
    assert value(model, "points_count", amount=1, customer="none") == 0


def test_collect_without_aggregation_lists_every_match_in_rule_order(model: DecisionModel) -> None:
    result = evaluate_decision(model, "beverages", {"month": 12, "guestCount": 3, "guestsWithChildren": True})
    assert result.value == ["Bordeaux", "Apple Juice", "Water"]
    assert [r["number"] for r in result.evaluations[-1].matched_rules] == [3, 5, 6]


def test_rule_order_keeps_rule_order_with_several_outputs(model: DecisionModel) -> None:
    assert value(model, "checks", amount=5000, customer="silver") == [
        {"check": "manual review", "team": "finance"},
        {"check": "credit check", "team": "risk"},
        {"check": "log", "team": "ops"},
    ]


def test_output_order_sorts_matches_by_output_value_priority(model: DecisionModel) -> None:
    assert value(model, "actions", amount=5000) == ["escalate", "notify", "archive"]
    assert value(model, "actions", amount=5) == ["archive"]


def test_a_two_level_drg_evaluates_required_decisions_first_and_records_each(model: DecisionModel) -> None:
    result = evaluate_decision(model, "beverages", {"month": 7, "guestCount": 2, "guestsWithChildren": False})
    assert [e.decision_id for e in result.evaluations] == ["season", "dish", "beverages"]
    assert result.evaluations[0].value == "Summer"
    assert result.evaluations[1].value == "Light Salad and a nice Steak"
    assert result.value == ["Pinot Noir", "Water"]
    record = result.evaluations[1].as_record()
    assert record["inputs"][0] == {
        "id": record["inputs"][0]["id"],
        "label": "Season",
        "expression": "season",
        "value": "Summer",
    }
    assert record["matched_rules"] == [{"id": "dish_rule6", "number": 6}]


def test_an_input_outside_its_input_values_is_refused_naming_decision_and_input(model: DecisionModel) -> None:
    with pytest.raises(DecisionEvaluationError) as refused:
        evaluate_decision(_without_requirements(model), "dish", {"season": "Monsoon", "guestCount": 1})
    message = str(refused.value)
    assert "decision 'dish'" in message and "input 1 'Season'" in message and "Monsoon" in message
    assert refused.value.decision_id == "dish"


def test_an_unknown_decision_id_lists_the_known_ones(model: DecisionModel) -> None:
    with pytest.raises(NotFoundError, match=r"no decision 'nope'.*dish"):
        evaluate_decision(model, "nope", {})


def _without_requirements(model: DecisionModel) -> DecisionModel:
    from dataclasses import replace

    decisions = {k: replace(d, required_decisions=()) for k, d in model.decisions.items()}
    return replace(model, decisions=decisions)


def _unnamed_output_table(hit_policy: str, aggregation: str = "") -> DecisionModel:
    """A table whose one output has no name (the TCK's and Trisotech's way): its value is the decision's."""
    xml = f"""<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="D" namespace="x">
      <decision id="points" name="points">
        <decisionTable hitPolicy="{hit_policy}" {f'aggregation="{aggregation}"' if aggregation else ""}>
          <input id="i1"><inputExpression typeRef="number"><text>amount</text></inputExpression></input>
          <output id="o1"><outputValues><text>"high", "low"</text></outputValues></output>
          <rule id="r1"><inputEntry><text>&gt; 10</text></inputEntry>
            <outputEntry><text>"low"</text></outputEntry></rule>
          <rule id="r2"><inputEntry><text>&gt; 100</text></inputEntry>
            <outputEntry><text>"high"</text></outputEntry></rule>
        </decisionTable>
      </decision></definitions>"""
    return parse_decisions(xml.encode(), "unnamed.dmn")


def test_an_unnamed_single_output_counts_and_ranks_like_a_named_one() -> None:
    assert value(_unnamed_output_table("COLLECT", "COUNT"), "points", amount=500) == 2
    assert value(_unnamed_output_table("PRIORITY"), "points", amount=500) == "high"
    assert value(_unnamed_output_table("OUTPUT ORDER"), "points", amount=500) == ["high", "low"]
    assert value(_unnamed_output_table("COLLECT", "COUNT"), "points", amount=1) == 0

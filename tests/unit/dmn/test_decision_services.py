"""Decision services (DMN 1.5 6.3.10) called as functions from the decisions that require them."""

from __future__ import annotations

import pytest

from dmn import evaluate_decision, parse_decisions
from steadyflow.errors import DecisionEvaluationError, ModelValidationError

HEAD = '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="D" namespace="x">'

SERVICE = """
<inputData id="i_rate" name="rate"><variable name="rate" typeRef="number"/></inputData>
<decision id="base" name="base"><variable name="base"/>
  <literalExpression><text>100</text></literalExpression></decision>
<decision id="fee" name="fee"><variable name="fee"/>
  <informationRequirement><requiredDecision href="#base"/></informationRequirement>
  <informationRequirement><requiredInput href="#i_rate"/></informationRequirement>
  <literalExpression><text>base * rate</text></literalExpression></decision>
<decision id="label" name="label"><variable name="label"/>
  <informationRequirement><requiredDecision href="#fee"/></informationRequirement>
  <literalExpression><text>"fee " + string(fee)</text></literalExpression></decision>
<decisionService id="s_fee" name="feeService"><variable name="feeService"/>
  <outputDecision href="#fee"/><inputDecision href="#base"/><inputData href="#i_rate"/></decisionService>
<decisionService id="s_both" name="both"><variable name="both"/>
  <outputDecision href="#fee"/><outputDecision href="#label"/><inputData href="#i_rate"/></decisionService>
"""


def call(text: str, extra: str = "") -> object:
    xml = f"""{HEAD}{SERVICE}{extra}
    <decision id="caller" name="caller"><variable name="caller"/>
      <knowledgeRequirement><requiredKnowledge href="#s_fee"/></knowledgeRequirement>
      <knowledgeRequirement><requiredKnowledge href="#s_both"/></knowledgeRequirement>
      <literalExpression><text>{text}</text></literalExpression></decision></definitions>"""
    return evaluate_decision(parse_decisions(xml.encode(), "services.dmn"), "caller", {}).value


def test_a_service_with_one_output_gives_its_value_from_the_input_decisions_and_data_it_is_given() -> None:
    assert call("feeService(50, 0.5)") == 25
    assert call("feeService(rate: 2, base: 3)") == 6


def test_a_service_with_several_outputs_gives_a_context_by_decision_name() -> None:
    assert call("both(0.1)") == {"fee": 10, "label": "fee 10"}


def test_a_service_input_is_coerced_to_its_input_data_type() -> None:
    assert call('feeService(50, ["x"])') is None
    assert call("feeService(50, [2])") == 100


def test_a_service_called_with_the_wrong_arguments_is_an_evaluation_error() -> None:
    with pytest.raises(DecisionEvaluationError, match="takes 2 argument"):
        call("feeService(1)")


def test_a_service_that_names_an_unknown_decision_is_refused() -> None:
    xml = f"""{HEAD}<decision id="a" name="a"><literalExpression><text>1</text></literalExpression></decision>
      <decisionService id="s" name="s"><outputDecision href="#nowhere"/></decisionService></definitions>"""
    with pytest.raises(ModelValidationError, match="decision service 's' names decision 'nowhere'"):
        parse_decisions(xml.encode(), "bad.dmn")


def test_a_service_that_calls_itself_stops_at_the_invocation_depth() -> None:
    xml = f"""{HEAD}
    <decision id="loop" name="loop"><variable name="loop"/>
      <knowledgeRequirement><requiredKnowledge href="#s"/></knowledgeRequirement>
      <literalExpression><text>s()</text></literalExpression></decision>
    <decisionService id="s" name="s"><outputDecision href="#loop"/></decisionService></definitions>"""
    with pytest.raises(DecisionEvaluationError, match="services call each other deeper than 32; the model loops"):
        evaluate_decision(parse_decisions(xml.encode(), "loop.dmn"), "loop", {})

"""Literal-expression decisions, contexts, lists, business knowledge models and invocations."""

from __future__ import annotations

import pytest

from dmn import evaluate_decision, map_result, parse_decisions
from steadyflow.errors import DecisionEvaluationError, ModelValidationError

HEAD = '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="D" namespace="x">'


def model(body: str, version: str = "20191111") -> bytes:
    return (HEAD.replace("20191111", version) + body + "</definitions>").encode()


LITERAL = """
<decision id="greeting" name="Greeting">
  <variable name="greeting" typeRef="string"/>
  <literalExpression id="e1"><text>"Hello " + name</text></literalExpression>
</decision>"""

BKM_AND_CONTEXT = """
<businessKnowledgeModel id="fee_bkm" name="fee">
  <encapsulatedLogic id="logic">
    <formalParameter name="amount" typeRef="number"/>
    <formalParameter name="rate" typeRef="number"/>
    <literalExpression><text>amount * rate</text></literalExpression>
  </encapsulatedLogic>
</businessKnowledgeModel>
<decision id="pricing" name="Pricing">
  <knowledgeRequirement id="k1"><requiredKnowledge href="#fee_bkm"/></knowledgeRequirement>
  <context id="c1">
    <contextEntry>
      <variable name="base"/>
      <literalExpression><text>price * quantity</text></literalExpression>
    </contextEntry>
    <contextEntry>
      <variable name="fee"/>
      <invocation>
        <literalExpression><text>fee</text></literalExpression>
        <binding><parameter name="amount"/><literalExpression><text>base</text></literalExpression></binding>
        <binding><parameter name="rate"/><literalExpression><text>0.1</text></literalExpression></binding>
      </invocation>
    </contextEntry>
    <contextEntry>
      <variable name="tags"/>
      <list><literalExpression><text>"a"</text></literalExpression><literalExpression><text>"b"</text></literalExpression></list>
    </contextEntry>
    <contextEntry>
      <literalExpression><text>{total: base + fee, fee: fee, tags: tags}</text></literalExpression>
    </contextEntry>
  </context>
</decision>"""


@pytest.mark.parametrize("version", ["20191111", "20211108", "20230324"])
def test_a_literal_expression_decision_is_the_value_of_its_feel(version: str) -> None:
    decisions = parse_decisions(model(LITERAL, version), "greeting.dmn")
    result = evaluate_decision(decisions, "greeting", {"name": "Ada"})
    assert result.value == "Hello Ada"
    assert map_result(result, "singleEntry") == "Hello Ada"
    assert map_result(result, None) == [{"greeting": "Hello Ada"}]


def test_a_context_decision_invokes_a_business_knowledge_model_with_its_bindings() -> None:
    decisions = parse_decisions(model(BKM_AND_CONTEXT), "pricing.dmn")
    result = evaluate_decision(decisions, "pricing", {"price": 20, "quantity": 3})
    assert result.value == {"total": 66, "fee": 6, "tags": ["a", "b"]}
    assert result.evaluations[0].kind == "context"


def test_a_context_without_a_result_entry_is_the_context_of_its_entries() -> None:
    body = """<decision id="c" name="C"><context>
      <contextEntry><variable name="a"/><literalExpression><text>1</text></literalExpression></contextEntry>
      <contextEntry><variable name="b"/><literalExpression><text>a + 1</text></literalExpression></contextEntry>
    </context></decision>"""
    assert evaluate_decision(parse_decisions(model(body)), "c", {}).value == {"a": 1, "b": 2}


def test_an_invocation_of_a_parameter_the_bkm_lacks_names_decision_and_invocation() -> None:
    body = BKM_AND_CONTEXT.replace('<parameter name="rate"/>', '<parameter name="ratio"/>')
    decisions = parse_decisions(model(body))
    with pytest.raises(DecisionEvaluationError, match=r"decision 'pricing'.*invocation of 'fee'.*no parameter ratio"):
        evaluate_decision(decisions, "pricing", {"price": 1, "quantity": 1})


def test_a_failing_literal_expression_is_an_error_naming_the_decision() -> None:
    body = '<decision id="bad" name="Bad"><literalExpression><text>unknownFn(1)</text></literalExpression></decision>'
    decisions = parse_decisions(model(body))
    with pytest.raises(DecisionEvaluationError, match=r"decision 'bad' \(Bad\), literal expression"):
        evaluate_decision(decisions, "bad", {})


def test_result_mappings_follow_camunda_7() -> None:
    table = """<decision id="t" name="T"><decisionTable hitPolicy="COLLECT">
      <input id="i1" label="X"><inputExpression><text>x</text></inputExpression></input>
      <output id="o1" name="a"/><output id="o2" name="b"/>
      <rule id="r1"><inputEntry><text>&gt; 0</text></inputEntry>
        <outputEntry><text>1</text></outputEntry><outputEntry><text>"one"</text></outputEntry></rule>
      <rule id="r2"><inputEntry><text>&gt; 1</text></inputEntry>
        <outputEntry><text>2</text></outputEntry><outputEntry><text></text></outputEntry></rule>
    </decisionTable></decision>"""
    decisions = parse_decisions(model(table))
    one = evaluate_decision(decisions, "t", {"x": 1})
    two = evaluate_decision(decisions, "t", {"x": 2})
    assert map_result(one, "singleResult") == {"a": 1, "b": "one"}
    assert map_result(two, "resultList") == [{"a": 1, "b": "one"}, {"a": 2, "b": None}]
    with pytest.raises(DecisionEvaluationError, match="singleEntry needs one output"):
        map_result(one, "singleEntry")
    with pytest.raises(DecisionEvaluationError, match="singleResult needs at most one matched rule, 2 matched"):
        map_result(two, "singleResult")
    with pytest.raises(DecisionEvaluationError, match="collectEntries needs one output per rule"):
        map_result(two, "collectEntries")
    assert map_result(evaluate_decision(decisions, "t", {"x": 0}), "singleResult") is None


def test_camunda_7_input_entries_may_read_the_input_as_cell_input_or_run_juel() -> None:
    table = """<decision id="t" name="T"><decisionTable xmlns:camunda="http://camunda.org/schema/1.0/dmn">
      <input id="i1" label="X" camunda:inputVariable="v"><inputExpression><text>x</text></inputExpression></input>
      <output id="o1" name="size"/>
      <rule id="r1"><inputEntry expressionLanguage="juel"><text>v &gt; 10</text></inputEntry>
        <outputEntry><text>"big"</text></outputEntry></rule>
      <rule id="r2"><inputEntry><text>-</text></inputEntry><outputEntry><text>"small"</text></outputEntry></rule>
    </decisionTable></decision>"""
    decisions = parse_decisions(model(table))
    with pytest.raises(DecisionEvaluationError, match="UNIQUE, but 2 rules match"):
        evaluate_decision(decisions, "t", {"x": 11})
    assert evaluate_decision(decisions, "t", {"x": 3}).value == "small"


FEEL_CALLS = """
<businessKnowledgeModel id="rate_bkm" name="rate">
  <encapsulatedLogic><formalParameter name="tier"/>
    <literalExpression><text>if tier = "gold" then 0.2 else 0.1</text></literalExpression>
  </encapsulatedLogic>
</businessKnowledgeModel>
<businessKnowledgeModel id="discount_bkm" name="discount">
  <knowledgeRequirement><requiredKnowledge href="#rate_bkm"/></knowledgeRequirement>
  <encapsulatedLogic><formalParameter name="amount"/><formalParameter name="tier"/>
    <literalExpression><text>amount * rate(tier)</text></literalExpression>
  </encapsulatedLogic>
</businessKnowledgeModel>
<decision id="price" name="Price">
  <knowledgeRequirement><requiredKnowledge href="#discount_bkm"/></knowledgeRequirement>
  <literalExpression><text>amount - discount(amount: amount, tier: customer)</text></literalExpression>
</decision>
<decision id="unrelated" name="Unrelated">
  <literalExpression><text>discount(10, "gold")</text></literalExpression>
</decision>"""


def test_a_literal_expression_calls_a_required_bkm_as_a_feel_function_which_calls_its_own() -> None:
    decisions = parse_decisions(model(FEEL_CALLS))
    assert evaluate_decision(decisions, "price", {"amount": 100, "customer": "gold"}).value == 80
    assert evaluate_decision(decisions, "price", {"amount": 100, "customer": "silver"}).value == 90


def test_a_bkm_the_decision_does_not_require_is_not_in_scope() -> None:
    decisions = parse_decisions(model(FEEL_CALLS))
    with pytest.raises(DecisionEvaluationError, match=r"decision 'unrelated'"):
        evaluate_decision(decisions, "unrelated", {})


TABLE_BKM = """
<businessKnowledgeModel id="discount_bkm" name="discount table">
  <variable name="discount table"/>
  <encapsulatedLogic>
    <formalParameter name="customer" typeRef="string"/>
    <formalParameter name="amount" typeRef="number"/>
    <decisionTable hitPolicy="FIRST">
      <input id="i1"><inputExpression typeRef="string"><text>customer</text></inputExpression></input>
      <input id="i2"><inputExpression typeRef="number"><text>amount</text></inputExpression></input>
      <output id="o1"/>
      <rule id="r1"><inputEntry><text>"gold"</text></inputEntry><inputEntry><text>&gt;= 1000</text></inputEntry>
        <outputEntry><text>0.15</text></outputEntry></rule>
      <rule id="r2"><inputEntry><text>"gold"</text></inputEntry><inputEntry><text>-</text></inputEntry>
        <outputEntry><text>0.1</text></outputEntry></rule>
      <rule id="r3"><inputEntry><text>-</text></inputEntry><inputEntry><text>-</text></inputEntry>
        <outputEntry><text>0</text></outputEntry></rule>
    </decisionTable>
  </encapsulatedLogic>
</businessKnowledgeModel>"""


def table_bkm_decision(text: str, extra: str = "") -> bytes:
    return model(
        TABLE_BKM
        + extra
        + f"""<decision id="price" name="price">
          <knowledgeRequirement><requiredKnowledge href="#discount_bkm"/></knowledgeRequirement>
          <literalExpression><text>{text}</text></literalExpression></decision>"""
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('discount table("gold", 2000)', 0.15),
        ('discount table(amount: 10, customer: "gold")', 0.1),
        ('discount table("silver", 2000)', 0),
        ('for c in ["gold", "x"] return discount table(c, 5)', [0.1, 0]),
        ("discount table instance of function&lt;string, number&gt; -&gt; Any", True),
        ('discount table("gold", "lots")', 0.1),  # "lots" is not a number: the parameter is null
    ],
)
def test_a_bkm_whose_logic_is_a_decision_table_is_a_feel_function(text: str, expected: object) -> None:
    parsed = parse_decisions(table_bkm_decision(text), "table-bkm.dmn")
    assert evaluate_decision(parsed, "price", {}).value == expected


def test_a_table_bkm_is_invoked_by_an_invocation_box_too() -> None:
    body = (
        TABLE_BKM
        + """
    <decision id="price" name="price">
      <knowledgeRequirement><requiredKnowledge href="#discount_bkm"/></knowledgeRequirement>
      <invocation><literalExpression><text>discount table</text></literalExpression>
        <binding><parameter name="customer"/><literalExpression><text>"gold"</text></literalExpression></binding>
        <binding><parameter name="amount"/><literalExpression><text>5000</text></literalExpression></binding>
      </invocation></decision>"""
    )
    assert evaluate_decision(parse_decisions(model(body), "inv.dmn"), "price", {}).value == 0.15


def test_a_table_bkm_that_calls_itself_forever_is_an_error_naming_it() -> None:
    looping = (
        TABLE_BKM.replace(
            "<outputEntry><text>0</text></outputEntry>", "<outputEntry><text>loop(1)</text></outputEntry>"
        )
        + """
    <businessKnowledgeModel id="loop_bkm" name="loop">
      <knowledgeRequirement><requiredKnowledge href="#loop_bkm"/></knowledgeRequirement>
      <encapsulatedLogic><formalParameter name="n"/>
        <decisionTable><input id="l1"><inputExpression><text>n</text></inputExpression></input><output id="lo"/>
          <rule id="lr"><inputEntry><text>-</text></inputEntry><outputEntry><text>loop(n)</text></outputEntry></rule>
        </decisionTable></encapsulatedLogic></businessKnowledgeModel>"""
    )
    xml = model(
        looping
        + """<decision id="price" name="price">
          <knowledgeRequirement><requiredKnowledge href="#loop_bkm"/></knowledgeRequirement>
          <literalExpression><text>loop(1)</text></literalExpression></decision>"""
    )
    with pytest.raises(DecisionEvaluationError, match="deeper than"):
        evaluate_decision(parse_decisions(xml, "loop.dmn"), "price", {})


def test_a_bkm_parameter_named_with_a_dot_is_read_by_its_path() -> None:
    body = """
    <businessKnowledgeModel id="describe_bkm" name="describe">
      <encapsulatedLogic>
        <formalParameter name="Person.Name" typeRef="string"/>
        <formalParameter name="Person.Age" typeRef="number"/>
        <literalExpression><text>Person.Name + " is " + string(Person.Age)</text></literalExpression>
      </encapsulatedLogic>
    </businessKnowledgeModel>
    <decision id="d1" name="d1">
      <knowledgeRequirement><requiredKnowledge href="#describe_bkm"/></knowledgeRequirement>
      <invocation><literalExpression><text>describe</text></literalExpression>
        <binding><parameter name="Person.Name"/><literalExpression><text>p.name</text></literalExpression></binding>
        <binding><parameter name="Person.Age"/><literalExpression><text>p.age</text></literalExpression></binding>
      </invocation></decision>"""
    parsed = parse_decisions(model(body), "dotted.dmn")
    assert evaluate_decision(parsed, "d1", {"p": {"name": "Ann", "age": 40}}).value == "Ann is 40"


def test_a_boxed_function_definition_is_a_function_value_that_closes_over_its_scope() -> None:
    body = """
    <businessKnowledgeModel id="times_bkm" name="times">
      <encapsulatedLogic>
        <formalParameter name="a" typeRef="number"/>
        <functionDefinition>
          <formalParameter name="b" typeRef="number"/>
          <literalExpression><text>a * b</text></literalExpression>
        </functionDefinition>
      </encapsulatedLogic>
    </businessKnowledgeModel>
    <decision id="maker" name="maker">
      <functionDefinition><formalParameter name="x" typeRef="number"/>
        <context>
          <contextEntry><variable name="y"/><literalExpression><text>x + 1</text></literalExpression></contextEntry>
          <contextEntry><literalExpression><text>y * 2</text></literalExpression></contextEntry>
        </context>
      </functionDefinition>
    </decision>
    <decision id="user" name="user">
      <informationRequirement><requiredDecision href="#maker"/></informationRequirement>
      <knowledgeRequirement><requiredKnowledge href="#times_bkm"/></knowledgeRequirement>
      <literalExpression><text>[maker(3), times(10)(3), maker("x")]</text></literalExpression>
    </decision>"""
    parsed = parse_decisions(model(body), "functions.dmn")
    assert evaluate_decision(parsed, "user", {}).value == [8, 30, None]


def test_a_java_function_definition_is_refused_naming_the_decision() -> None:
    body = """<decision id="cos" name="cos"><functionDefinition kind="Java">
      <formalParameter name="x"/><context/></functionDefinition></decision>"""
    with pytest.raises(ModelValidationError, match=r"decision 'cos'.*Java function definition"):
        parse_decisions(model(body), "java.dmn")

"""typeRef coercion (DMN 1.5 7.3.2, 10.3.2.9.4): values meeting a declared type are converted or become null."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from dmn import evaluate_decision, parse_decisions
from steadyflow.errors import ModelValidationError

HEAD = '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="D" namespace="x">'
CAMUNDA_7_HEAD = (
    '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" '
    'xmlns:camunda="http://camunda.org/schema/1.0/dmn" id="d" name="D" namespace="x">'
)

ITEMS = """
<itemDefinition name="tNumbers" isCollection="true"><typeRef>number</typeRef></itemDefinition>
<itemDefinition name="tByte"><typeRef>number</typeRef>
  <allowedValues><text>[0..255]</text></allowedValues></itemDefinition>
<itemDefinition name="tBytes" isCollection="true"><typeRef>tByte</typeRef></itemDefinition>
<itemDefinition name="tPerson">
  <itemComponent name="name"><typeRef>string</typeRef></itemComponent>
  <itemComponent name="age"><typeRef>tByte</typeRef></itemComponent>
</itemDefinition>
<itemDefinition name="tColour"><typeRef>string</typeRef>
  <allowedValues><text>"red", "green"</text></allowedValues></itemDefinition>
<itemDefinition name="tShortList" isCollection="true"><typeRef>string</typeRef>
  <typeConstraint><text>count(?) &lt;= 2</text></typeConstraint></itemDefinition>
"""


def literal(type_ref: str, text: str, head: str = HEAD) -> Any:
    xml = (
        f'{head}{ITEMS}<decision id="d1" name="d1"><variable name="d1" typeRef="{type_ref}"/>'
        f"<literalExpression><text>{text}</text></literalExpression></decision></definitions>"
    )
    return evaluate_decision(parse_decisions(xml.encode(), "types.dmn"), "d1", {}).value


@pytest.mark.parametrize(
    ("type_ref", "text", "expected"),
    [
        ("string", '"foo"', "foo"),
        ("string", "1 + 1", None),
        ("string", '["foo"]', "foo"),
        ("string", "[1]", None),
        ("number", "[10]", 10),
        ("feel:number", "10", 10),
        ("tNumbers", "[1, 2]", [1, 2]),
        ("tNumbers", '[1, 2, "foo"]', None),
        ("tNumbers", "7", [7]),
        ("tNumbers", "null", None),
        ("tByte", "255", 255),
        ("tByte", "256", None),
        ("tBytes", "[1, 300]", None),
        ("tBytes", "[1, null, 3]", [1, None, 3]),
        ("tColour", '"red"', "red"),
        ("tColour", '"blue"', None),
        ("tPerson", '{name: "Ann", age: 30}', {"name": "Ann", "age": 30}),
        ("tPerson", '{name: "Ann", age: 30, city: "Oslo"}', {"name": "Ann", "age": 30, "city": "Oslo"}),
        ("tPerson", '{name: "Ann"}', None),
        ("tPerson", '{name: "Ann", age: 300}', None),
        ("tPerson", '{name: "Ann", age: [30]}', {"name": "Ann", "age": 30}),
        ("tShortList", '["a", "b"]', ["a", "b"]),
        ("tShortList", '["a", "b", "c"]', None),
        ("list&lt;string&gt;", '"a"', ["a"]),
        ("context&lt;a: number&gt;", "{a: 1, b: 2}", {"a": 1, "b": 2}),
        ("context&lt;a: number, c: number&gt;", "{a: 1, b: 2}", None),
        ("dateTime", 'date("2024-05-01")', datetime(2024, 5, 1, tzinfo=UTC)),
        ("date", 'date("2024-05-01")', date(2024, 5, 1)),
        ("Any", '"x"', "x"),
        ("some unknown type", "1", 1),
    ],
)
def test_a_decision_result_is_coerced_to_its_variable_type(type_ref: str, text: str, expected: Any) -> None:
    assert literal(type_ref, text) == expected


def test_a_camunda_7_date_is_a_date_and_time_and_its_integer_a_number() -> None:
    now = 'date and time("2024-05-01T10:00:00")'
    assert literal("date", now, CAMUNDA_7_HEAD) == datetime(2024, 5, 1, 10)
    assert literal("date", now) is None
    assert literal("integer", "3", CAMUNDA_7_HEAD) == 3


def test_input_data_is_coerced_to_its_type_before_a_decision_reads_it() -> None:
    xml = f"""{HEAD}{ITEMS}
    <inputData id="i1" name="age"><variable name="age" typeRef="tByte"/></inputData>
    <inputData id="i2" name="tags"><variable name="tags" typeRef="tNumbers"/></inputData>
    <decision id="d1" name="d1"><variable name="d1"/>
      <informationRequirement><requiredInput href="#i1"/></informationRequirement>
      <literalExpression><text>[age, tags]</text></literalExpression></decision></definitions>"""
    model = parse_decisions(xml.encode(), "inputs.dmn")
    assert evaluate_decision(model, "d1", {"age": 300, "tags": 4}).value == [None, [4]]
    assert evaluate_decision(model, "d1", {"age": 30, "tags": [1, 2]}).value == [30, [1, 2]]


BKM = """
<businessKnowledgeModel id="b1" name="adult">
  <encapsulatedLogic>
    <formalParameter name="person" typeRef="tPerson"/>
    <literalExpression typeRef="boolean">
      <text>if person = null then null else person.age >= 18</text></literalExpression>
  </encapsulatedLogic>
</businessKnowledgeModel>
<businessKnowledgeModel id="b2" name="wrap">
  <encapsulatedLogic>
    <formalParameter name="arg"/>
    <literalExpression typeRef="tNumbers"><text>arg</text></literalExpression>
  </encapsulatedLogic>
</businessKnowledgeModel>
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('adult({name: "Ann", age: 30})', True),
        ('adult({name: "Ann"})', None),
        ("wrap(10)", [10]),
        ('wrap("foo")', None),
    ],
)
def test_a_knowledge_model_called_from_feel_coerces_its_parameters_and_result(text: str, expected: Any) -> None:
    xml = f"""{HEAD}{ITEMS}{BKM}
    <decision id="d1" name="d1"><variable name="d1"/>
      <knowledgeRequirement><requiredKnowledge href="#b1"/></knowledgeRequirement>
      <knowledgeRequirement><requiredKnowledge href="#b2"/></knowledgeRequirement>
      <literalExpression><text>{text}</text></literalExpression></decision></definitions>"""
    assert evaluate_decision(parse_decisions(xml.encode(), "bkm.dmn"), "d1", {}).value == expected


def test_a_boxed_invocation_coerces_bindings_and_its_own_type() -> None:
    xml = f"""{HEAD}{ITEMS}{BKM}
    <decision id="d1" name="d1"><variable name="d1"/>
      <knowledgeRequirement><requiredKnowledge href="#b2"/></knowledgeRequirement>
      <invocation typeRef="number">
        <literalExpression><text>wrap</text></literalExpression>
        <binding><parameter name="arg"/><literalExpression><text>5</text></literalExpression></binding>
      </invocation></decision></definitions>"""
    assert evaluate_decision(parse_decisions(xml.encode(), "invoke.dmn"), "d1", {}).value == 5


def test_a_context_entry_is_coerced_to_its_variable_type() -> None:
    xml = f"""{HEAD}{ITEMS}
    <decision id="d1" name="d1"><variable name="d1"/>
      <context>
        <contextEntry><variable name="a" typeRef="tByte"/>
          <literalExpression><text>1000</text></literalExpression></contextEntry>
        <contextEntry><variable name="b" typeRef="tNumbers"/>
          <literalExpression><text>2</text></literalExpression></contextEntry>
      </context></decision></definitions>"""
    assert evaluate_decision(parse_decisions(xml.encode(), "context.dmn"), "d1", {}).value == {"a": None, "b": [2]}


def test_a_decision_table_result_is_coerced_to_the_decision_variable_type() -> None:
    xml = f"""{HEAD}{ITEMS}
    <decision id="d1" name="d1"><variable name="d1" typeRef="tColour"/>
      <decisionTable hitPolicy="UNIQUE">
        <input><inputExpression typeRef="number"><text>x</text></inputExpression></input>
        <output name="colour" typeRef="string"/>
        <rule><inputEntry><text>1</text></inputEntry><outputEntry><text>"red"</text></outputEntry></rule>
        <rule><inputEntry><text>2</text></inputEntry><outputEntry><text>"blue"</text></outputEntry></rule>
      </decisionTable></decision></definitions>"""
    model = parse_decisions(xml.encode(), "table.dmn")
    assert evaluate_decision(model, "d1", {"x": 1}).value == "red"
    assert evaluate_decision(model, "d1", {"x": 2}).value is None


def test_bad_allowed_values_are_refused_naming_the_item_definition() -> None:
    xml = f"""{HEAD}<itemDefinition name="tBad"><typeRef>number</typeRef>
      <allowedValues><text>[0..</text></allowedValues></itemDefinition>
      <decision id="d1" name="d1"><literalExpression><text>1</text></literalExpression></decision></definitions>"""
    with pytest.raises(ModelValidationError) as refused:
        parse_decisions(xml.encode(), "bad.dmn")
    assert "item definition 'tBad', allowedValues" in str(refused.value)


def test_an_item_definition_that_refers_to_itself_is_refused() -> None:
    xml = f"""{HEAD}<itemDefinition name="tLoop"><typeRef>tLoop</typeRef></itemDefinition>
      <decision id="d1" name="d1"><literalExpression><text>1</text></literalExpression></decision></definitions>"""
    with pytest.raises(ModelValidationError) as refused:
        parse_decisions(xml.encode(), "loop.dmn")
    assert "refers to itself" in str(refused.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[1, 2] instance of tNumbers", True),
        ('[1, "2"] instance of tNumbers', False),
        ("1 instance of tNumbers", False),
        ('{name: "Ann", age: 40} instance of tPerson', True),
        ('{name: "Ann", age: 40, town: "Bree"} instance of tPerson', True),
        ('{name: "Ann"} instance of tPerson', False),
        ('[{name: "Ann", age: 40}] instance of list&lt;tPerson&gt;', True),
        # instance of reads the item's type, not its allowed values (as the DMN TCK does)
        ("256 instance of tByte", True),
        ('"blue" instance of tColour', True),
        ("1 instance of tColour", False),
        ('(function(p: tPerson) p.name)({name: "Ann", age: 1})', "Ann"),
        ("(function(p: tPerson) p.name)(1)", None),
    ],
)
def test_instance_of_an_item_definition_checks_its_type(text: str, expected: Any) -> None:
    assert literal("Any", text) == expected


def test_a_type_name_no_item_definition_declares_is_still_refused_naming_the_decision() -> None:
    with pytest.raises(ModelValidationError) as refused:
        literal("Any", "1 instance of tNoSuchType")
    assert "decision 'd1'" in str(refused.value) and "tNoSuchType" in str(refused.value)


def test_a_feel_type_name_wins_over_an_item_definition_of_the_same_name() -> None:
    head = HEAD + '<itemDefinition name="number"><typeRef>string</typeRef></itemDefinition>'
    assert literal("Any", "1 instance of number", head) is True


def _named_model(decision_name: str, text: str, input_name: str) -> Any:
    xml = f"""{HEAD}<inputData id="i1" name="{input_name}"><variable name="{input_name}" typeRef="Any"/></inputData>
      <decision id="d1" name="{decision_name}"><variable name="{decision_name}" typeRef="Any"/>
      <informationRequirement><requiredInput href="#i1"/></informationRequirement>
      <literalExpression><text>{text}</text></literalExpression></decision></definitions>"""
    return parse_decisions(xml.encode(), "names.dmn")


@pytest.mark.parametrize(
    ("input_name", "text", "given", "expected"),
    [
        ("monthly salary", "monthly salary * 12", 100, 1200),
        ("monthly salary", "monthly  salary * 12", 100, 1200),
        ("Pre-bureauRiskCategory", 'Pre-bureauRiskCategory + "!"', "LOW", "LOW!"),
        ("days in weekend", 'for d in days in weekend return d = "sunday"', ["saturday", "sunday"], [False, True]),
        ("a/b", "a/b", 3, 3),
    ],
)
def test_a_name_of_several_words_or_with_operators_reads_as_the_models_name(
    input_name: str, text: str, given: Any, expected: Any
) -> None:
    model = _named_model("result", text, input_name)
    assert evaluate_decision(model, "d1", {input_name: given}).value == expected


def test_names_the_model_does_not_declare_keep_their_operators() -> None:
    model = _named_model("result", "a - b", "a-bc")
    assert evaluate_decision(model, "d1", {"a": 5, "b": 2, "a-bc": 0}).value == 3

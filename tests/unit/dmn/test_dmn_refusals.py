"""A refused DMN file names decision, rule and cell, with the line, and every problem at once."""

from __future__ import annotations

import pytest

from dmn import parse_decisions
from steadyflow.errors import ModelValidationError

HEAD = '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="D" namespace="x">\n'


def refused(body: str) -> ModelValidationError:
    with pytest.raises(ModelValidationError) as caught:
        parse_decisions((HEAD + body + "</definitions>").encode(), "bad.dmn")
    return caught.value


TABLE = """<decision id="dish" name="Dish">
  <decisionTable id="t" hitPolicy="{policy}">
    <input id="i1" label="Season"><inputExpression typeRef="string"><text>season</text></inputExpression></input>
    <output id="o1" label="Dish" name="dish" typeRef="string"/>
    <rule id="r1">
      <inputEntry><text>"Fall"</text></inputEntry>
      <outputEntry><text>"Ribs"</text></outputEntry>
    </rule>
    <rule id="r2">
      <inputEntry><text>{entry}</text></inputEntry>
      <outputEntry><text>{output}</text></outputEntry>
    </rule>
  </decisionTable>
</decision>
"""


def table(policy: str = "FIRST", entry: str = '"Winter"', output: str = '"Stew"') -> str:
    return TABLE.format(policy=policy, entry=entry, output=output)


def test_a_bad_input_entry_names_decision_rule_column_and_line() -> None:
    error = refused(table(entry="[1..")).problems[0]
    assert "decision 'dish' (Dish), rule 2 (r2), input entry 'Season'" in error.message
    assert error.element_id == "dish" and error.line == 11 and error.file == "bad.dmn"


def test_a_bad_output_entry_names_its_output_column() -> None:
    error = refused(table(output='"unclosed')).problems[0]
    assert "rule 2 (r2), output entry 'Dish'" in error.message and error.line == 12


def test_every_bad_cell_is_reported_at_once() -> None:
    assert len(refused(table(entry="[1..", output="1 +")).problems) == 2


def test_an_unknown_hit_policy_and_a_misplaced_aggregation_are_refused() -> None:
    assert "unknown hit policy 'SOMETIMES'" in refused(table(policy="SOMETIMES")).problems[0].message
    body = table().replace('hitPolicy="FIRST"', 'hitPolicy="FIRST" aggregation="SUM"')
    assert "aggregation 'SUM' with hit policy FIRST" in refused(body).problems[0].message


def test_a_rule_with_missing_cells_says_how_many_the_table_has() -> None:
    body = table().replace('<inputEntry><text>"Fall"</text></inputEntry>', "")
    message = refused(body).problems[0].message
    assert "rule 1 (r1) has 0 input and 1 output entries; the table has 1 inputs and 1 outputs" in message


def test_an_unknown_expression_language_is_refused_with_the_fix() -> None:
    body = table().replace("<inputExpression ", '<inputExpression expressionLanguage="groovy" ')
    error = refused(body).problems[0]
    assert "input 1 'Season', input expression uses expression language 'groovy'" in error.message
    assert error.hint and "FEEL" in error.hint


def test_a_missing_required_decision_and_a_requirement_cycle_are_refused() -> None:
    missing = """<decision id="a" name="A">
      <informationRequirement><requiredDecision href="#ghost"/></informationRequirement>
      <literalExpression><text>1</text></literalExpression></decision>"""
    assert "requires decision 'ghost'" in refused(missing).problems[0].message
    cycle = """<decision id="a" name="A"><informationRequirement><requiredDecision href="#b"/></informationRequirement>
      <literalExpression><text>b</text></literalExpression></decision>
      <decision id="b" name="B"><informationRequirement><requiredDecision href="#a"/></informationRequirement>
      <literalExpression><text>a</text></literalExpression></decision>"""
    assert "cycle: a -> b -> a" in refused(cycle).problems[0].message


def test_a_decision_without_logic_and_a_file_without_decisions_are_refused() -> None:
    assert "has no decision logic" in refused('<decision id="a" name="A"/>').problems[0].message
    assert "the file has no decision" in refused("").problems[0].message


def test_a_bpmn_file_or_a_doctype_is_not_taken_for_dmn() -> None:
    with pytest.raises(ModelValidationError, match=r"not a DMN 1\.1-1\.5 definitions element"):
        parse_decisions(b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>', "x.dmn")
    entity = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "x">]>' + HEAD.encode() + b"</definitions>"
    with pytest.raises(ModelValidationError, match="DOCTYPE"):
        parse_decisions(entity, "x.dmn")

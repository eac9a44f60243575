"""Decision tables of a DMN file: hit policy, input and output clauses, rules and their cells."""

from __future__ import annotations

from typing import Any

from lxml import etree

from bpmn.expressions import compile_feel
from dmn.cells import UnknownLanguage, compile_input_entry
from dmn.model import AGGREGATIONS, HIT_POLICIES, DecisionTable, InputClause, OutputClause, Rule
from dmn.reader import CellReader
from dmn.xml_reader import camunda_attribute, child, children, text_of
from steadyflow.errors import ExpressionError


def decision_table(reader: CellReader, node: etree._Element, label: str) -> DecisionTable | None:
    before = len(reader.problems)
    hit_policy = str(node.get("hitPolicy") or "UNIQUE").upper().replace("_", " ")
    aggregation = node.get("aggregation")
    if hit_policy not in HIT_POLICIES:
        reader.problem(f"{label}: unknown hit policy {hit_policy!r}", node, f"use one of {', '.join(HIT_POLICIES)}")
    if aggregation is not None and (hit_policy != "COLLECT" or aggregation.upper() not in AGGREGATIONS):
        reader.problem(
            f"{label}: aggregation {aggregation!r} with hit policy {hit_policy}",
            node,
            "an aggregation (SUM, MIN, MAX, COUNT) goes with hit policy COLLECT only",
        )
    inputs = [_input(reader, n, label, i) for i, n in enumerate(children(node, "input"), 1)]
    outputs = [_output(reader, n, label, i) for i, n in enumerate(children(node, "output"), 1)]
    if not outputs:
        reader.problem(f"{label}: the decision table has no output column", node, "add an output column")
    if aggregation and len(outputs) > 1 and aggregation.upper() != "COUNT":
        reader.problem(f"{label}: {aggregation} over {len(outputs)} outputs", node, "aggregate a table with one output")
    rules = [_rule(reader, n, label, i, inputs, outputs) for i, n in enumerate(children(node, "rule"), 1)]
    if len(reader.problems) > before:
        return None
    return DecisionTable(
        id=str(node.get("id") or ""),
        hit_policy=hit_policy,
        aggregation=aggregation.upper() if aggregation else None,
        inputs=tuple(i for i in inputs if i is not None),
        outputs=tuple(o for o in outputs if o is not None),
        rules=tuple(r for r in rules if r is not None),
    )


def _input(reader: CellReader, node: etree._Element, label: str, number: int) -> InputClause | None:
    title = node.get("label") or node.get("id") or f"#{number}"
    expression_node = child(node, "inputExpression")
    where = f"{label}, input {number} '{title}'"
    cell = reader.expression(expression_node, f"{where}, input expression") if expression_node is not None else None
    if expression_node is None:
        reader.problem(f"{where} has no input expression", node, "enter the input expression in the column head")
    variable = camunda_attribute(node, "inputVariable") or "cellInput"
    values_node = child(node, "inputValues")
    allowed = None
    if values_node is not None and text_of(values_node):
        try:
            allowed = compile_input_entry(text_of(values_node), None, variable)
        except ExpressionError as exc:
            reader.problem(f"{where}, input values: {getattr(exc, 'reason', exc)}", values_node, "list FEEL values")
    if cell is None:
        return None
    type_ref = expression_node.get("typeRef") if expression_node is not None else None
    return InputClause(str(node.get("id") or ""), str(node.get("label") or ""), cell, type_ref, allowed, variable)


def _output(reader: CellReader, node: etree._Element, label: str, number: int) -> OutputClause | None:
    name = str(node.get("name") or "")
    title = node.get("label") or name or node.get("id") or f"#{number}"
    values_node = child(node, "outputValues")
    allowed: tuple[Any, ...] = ()
    if values_node is not None and text_of(values_node):
        try:
            listed = compile_feel(f"[{text_of(values_node)}]").evaluate({})
            allowed = tuple(listed) if isinstance(listed, list) else ()
        except ExpressionError as exc:
            reader.problem(
                f"{label}, output {number} '{title}', output values: {getattr(exc, 'reason', exc)}",
                values_node,
                'list the values as FEEL literals: "high","medium","low"',
            )
    return OutputClause(str(node.get("id") or ""), name, str(node.get("label") or ""), node.get("typeRef"), allowed)


def _rule(
    reader: CellReader,
    node: etree._Element,
    label: str,
    number: int,
    inputs: list[InputClause | None],
    outputs: list[OutputClause | None],
) -> Rule | None:
    rule_id = str(node.get("id") or f"rule-{number}")
    where = f"{label}, rule {number} ({rule_id})"
    entry_nodes, output_nodes = children(node, "inputEntry"), children(node, "outputEntry")
    if len(entry_nodes) != len(inputs) or len(output_nodes) != len(outputs):
        reader.problem(
            f"{where} has {len(entry_nodes)} input and {len(output_nodes)} output entries; "
            f"the table has {len(inputs)} inputs and {len(outputs)} outputs",
            node,
            "open the table in Modeler and save it again, or fill the missing cells",
        )
        return None
    entries = []
    for position, (entry, clause) in enumerate(zip(entry_nodes, inputs, strict=True), 1):
        column = clause.title if clause is not None else f"#{position}"
        try:
            variable = clause.input_variable if clause is not None else "cellInput"
            entries.append(compile_input_entry(text_of(entry), reader.language_of(entry), variable))
        except UnknownLanguage as exc:
            reader.problem(f"{where}, input entry '{column}' uses {exc.args[0]!r}", entry, "write it in FEEL")
        except ExpressionError as exc:
            reader.problem(
                f"{where}, input entry '{column}': {getattr(exc, 'reason', exc)} in {text_of(entry)!r}",
                entry,
                'write FEEL unary tests such as < 10, [1..5], "a","b" or -',
            )
    cells = []
    for position, (entry, output) in enumerate(zip(output_nodes, outputs, strict=True), 1):
        column = (output.label or output.name) if output is not None else f"#{position}"
        cells.append(reader.expression(entry, f"{where}, output entry '{column}'", required=False))
    description = text_of_plain(child(node, "description"))
    return Rule(rule_id, number, tuple(entries), tuple(cells), description)


def text_of_plain(node: etree._Element | None) -> str:
    return (node.text or "").strip() if node is not None else ""

"""DMN XML -> :class:`DecisionModel`, refusing a model with every problem located at once.

Each problem names the decision (id and name), the rule (number and id) and the
cell (input entry, output entry, input expression, ...) and carries the line of
the cell's element, so a user finds it in Camunda Modeler's table editor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from bpmn.expressions import compile_feel
from dmn.cells import UnknownLanguage, compile_cell_expression, compile_input_entry
from dmn.model import (
    AGGREGATIONS,
    HIT_POLICIES,
    Binding,
    Body,
    Cell,
    ContextBody,
    ContextEntry,
    Decision,
    DecisionModel,
    DecisionTable,
    InputClause,
    InvocationBody,
    KnowledgeModel,
    ListBody,
    LiteralBody,
    OutputClause,
    Rule,
)
from dmn.xml_reader import camunda_attribute, child, children, load_dmn_xml, local_name, text_of
from steadyflow.errors import ExpressionError, ModelValidationError, Problem

BOXED = ("decisionTable", "literalExpression", "context", "invocation", "list")


@dataclass
class _Reader:
    filename: str
    language: str | None
    problems: list[Problem] = field(default_factory=list)
    owner_id: str = ""

    def problem(self, message: str, node: etree._Element | int | None, hint: str) -> None:
        line = node if isinstance(node, int) or node is None else node.sourceline
        self.problems.append(
            Problem(message, element_id=self.owner_id or None, line=line, file=self.filename, hint=hint)
        )

    def language_of(self, node: etree._Element) -> str | None:
        return node.get("expressionLanguage") or self.language

    def expression(self, node: etree._Element, where: str, *, required: bool = True) -> Cell | None:
        text = text_of(node)
        if not text:
            if required:
                self.problem(f"{where} is empty", node, "enter a FEEL expression")
            return None
        try:
            return Cell(compile_cell_expression(text, self.language_of(node)), where)
        except UnknownLanguage as exc:
            self.problem(
                f"{where} uses expression language {exc.args[0]!r}",
                node,
                "steadyflow runs FEEL (and JUEL for Camunda 7 models); rewrite the cell in FEEL",
            )
        except ExpressionError as exc:
            self.problem(f"{where}: {getattr(exc, 'reason', exc)} in {text!r}", node, "fix the cell's FEEL syntax")
        return None


def parse_decisions(data: bytes, filename: str | None = None) -> DecisionModel:
    """Parse one DMN file; raise ModelValidationError listing every problem."""
    name = filename or "model.dmn"
    root = load_dmn_xml(data, name)
    reader = _Reader(name, root.get("expressionLanguage"))
    decision_nodes = children(root, "decision")
    bkm_nodes = children(root, "businessKnowledgeModel")
    ids = {str(n.get("id")) for n in [*decision_nodes, *bkm_nodes]}
    decisions: dict[str, Decision] = {}
    for node in decision_nodes:
        decision = _decision(reader, node, ids)
        if decision is not None:
            decisions[decision.id] = decision
    knowledge: dict[str, KnowledgeModel] = {}
    for node in bkm_nodes:
        bkm = _knowledge_model(reader, node)
        if bkm is not None:
            knowledge[bkm.id] = bkm
    if not decision_nodes:
        reader.problem("the file has no decision", root, "add a decision (a table or a literal expression) in Modeler")
    declared_decisions = {str(n.get("id")) for n in decision_nodes}
    _check_requirements(reader, decisions, declared_decisions, {str(n.get("id")) for n in bkm_nodes})
    if reader.problems:
        raise ModelValidationError(reader.problems, file=name)
    return DecisionModel(
        filename=name,
        id=str(root.get("id") or ""),
        name=str(root.get("name") or root.get("id") or name),
        namespace=str(root.get("namespace") or ""),
        decisions=decisions,
        knowledge_models=knowledge,
    )


def _href(node: etree._Element) -> str:
    return str(node.get("href") or "").split("#")[-1]


def _decision(reader: _Reader, node: etree._Element, ids: set[str]) -> Decision | None:
    decision_id = str(node.get("id") or "")
    decision_name = str(node.get("name") or decision_id)
    reader.owner_id = decision_id
    label = f"decision '{decision_id}'" + (f" ({decision_name})" if decision_name != decision_id else "")
    if not decision_id:
        reader.problem(f"decision {decision_name!r} has no id", node, "give the decision an id in Modeler")
        return None
    required, knowledge = [], []
    for requirement in children(node, "informationRequirement"):
        found = child(requirement, "requiredDecision")
        if found is not None:
            required.append(_href(found))
    for requirement in children(node, "knowledgeRequirement"):
        found = child(requirement, "requiredKnowledge")
        if found is not None:
            knowledge.append(_href(found))
    body = _boxed(reader, node, label)
    variable = child(node, "variable")
    variable_name = str(variable.get("name")) if variable is not None and variable.get("name") else decision_name
    reader.owner_id = ""
    if body is None:
        return None
    return Decision(decision_id, decision_name, body, tuple(required), tuple(knowledge), node.sourceline, variable_name)


def _knowledge_model(reader: _Reader, node: etree._Element) -> KnowledgeModel | None:
    bkm_id = str(node.get("id") or "")
    bkm_name = str(node.get("name") or bkm_id)
    reader.owner_id = bkm_id
    label = f"business knowledge model '{bkm_id}'"
    logic = child(node, "encapsulatedLogic")
    if logic is None:
        reader.problem(
            f"{label} has no logic", node, "give it a body (literal expression or decision table) in Modeler"
        )
        return None
    parameters = tuple(str(p.get("name") or "") for p in children(logic, "formalParameter"))
    knowledge = tuple(
        _href(r) for k in children(node, "knowledgeRequirement") for r in children(k, "requiredKnowledge")
    )
    body = _boxed(reader, logic, label)
    reader.owner_id = ""
    return None if body is None else KnowledgeModel(bkm_id, bkm_name, parameters, body, knowledge)


def _boxed(reader: _Reader, owner: etree._Element, label: str) -> Body | None:
    """The one boxed expression directly inside ``owner`` (a decision, entry, binding or BKM logic)."""
    found = [c for c in owner if isinstance(c.tag, str) and local_name(c) in BOXED]
    if not found:
        others = [local_name(c) for c in owner if isinstance(c.tag, str) and local_name(c) in _UNSUPPORTED]
        what = f"a {others[0]}" if others else "no decision logic"
        reader.problem(f"{label} has {what}", owner, "use a decision table, literal expression, context or invocation")
        return None
    return _body(reader, found[0], label)


_UNSUPPORTED = ("relation", "functionDefinition", "conditional", "filter", "iterator", "every", "some", "for")


def _body(reader: _Reader, node: etree._Element, label: str) -> Body | None:
    kind = local_name(node)
    if kind == "decisionTable":
        return _table(reader, node, label)
    if kind == "literalExpression":
        cell = reader.expression(node, f"{label}, literal expression")
        return None if cell is None else LiteralBody(cell)
    if kind == "context":
        entries = []
        for entry in children(node, "contextEntry"):
            variable = child(entry, "variable")
            entry_name = str(variable.get("name")) if variable is not None else None
            entry_body = _boxed(reader, entry, f"{label}, context entry '{entry_name or 'result'}'")
            if entry_body is None:
                return None
            entries.append(ContextEntry(entry_name, entry_body))
        return ContextBody(tuple(entries))
    if kind == "list":
        items = [_body(reader, c, f"{label}, list item {i}") for i, c in enumerate(_boxed_children(node), 1)]
        return None if any(i is None for i in items) else ListBody(tuple(i for i in items if i is not None))
    return _invocation(reader, node, label)


def _boxed_children(node: etree._Element) -> list[etree._Element]:
    return [c for c in node if isinstance(c.tag, str) and local_name(c) in BOXED]


def _invocation(reader: _Reader, node: etree._Element, label: str) -> Body | None:
    target = text_of(child(node, "literalExpression"))
    if not target:
        reader.problem(f"{label}, invocation names no business knowledge model", node, "name the BKM it invokes")
        return None
    bindings = []
    for binding in children(node, "binding"):
        parameter = child(binding, "parameter")
        parameter_name = str(parameter.get("name") or "") if parameter is not None else ""
        inner = _boxed_children(binding)
        value = _body(reader, inner[0], f"{label}, binding of '{parameter_name}'") if inner else None
        if inner and value is None:
            return None
        bindings.append(Binding(parameter_name, value))
    return InvocationBody(target, tuple(bindings), f"{label}, invocation of '{target}'")


def _table(reader: _Reader, node: etree._Element, label: str) -> DecisionTable | None:
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


def _input(reader: _Reader, node: etree._Element, label: str, number: int) -> InputClause | None:
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


def _output(reader: _Reader, node: etree._Element, label: str, number: int) -> OutputClause | None:
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
    reader: _Reader,
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


def _check_requirements(
    reader: _Reader, decisions: dict[str, Decision], declared: set[str], declared_knowledge: set[str]
) -> None:
    """Requirements name defined decisions and knowledge models (one refused already was reported)."""
    for decision in decisions.values():
        reader.owner_id = decision.id
        for required in decision.required_decisions:
            if required not in declared:
                reader.problem(
                    f"decision '{decision.id}' requires decision '{required}', which this file does not define",
                    decision.line,
                    "keep required decisions in the same DMN file (one DRG per file)",
                )
        for required in decision.required_knowledge:
            if required not in declared_knowledge:
                reader.problem(
                    f"decision '{decision.id}' requires business knowledge model '{required}', which is not defined",
                    decision.line,
                    "add the business knowledge model to this file",
                )
    reader.owner_id = ""
    for decision_id in decisions:
        cycle = _cycle_from(decision_id, decisions)
        if cycle:
            reader.owner_id = decision_id
            reader.problem(
                "required decisions form a cycle: " + " -> ".join(cycle),
                decisions[decision_id].line,
                "a decision requirements graph must not loop; remove one requirement",
            )
            reader.owner_id = ""
            return


def _cycle_from(start: str, decisions: dict[str, Decision]) -> list[str]:
    """A requirement cycle reachable from ``start`` (as a path that ends where it began), or none."""
    path: list[str] = [start]
    positions: list[int] = [0]
    finished: set[str] = set()
    while path:
        current = path[-1]
        required = decisions[current].required_decisions if current in decisions else ()
        if positions[-1] >= len(required):
            finished.add(path.pop())
            positions.pop()
            continue
        following = required[positions[-1]]
        positions[-1] += 1
        if following in path:
            return [*path[path.index(following) :], following]
        if following not in finished:
            path.append(following)
            positions.append(0)
    return []

"""DMN XML -> :class:`DecisionModel`, refusing a model with every problem located at once.

Each problem names the decision (id and name), the rule (number and id) and the
cell (input entry, output entry, input expression, ...) and carries the line of
the cell's element, so a user finds it in Camunda Modeler's table editor.
"""

from __future__ import annotations

from dataclasses import replace

from lxml import etree

from dmn.item_types import as_feel_type, read_item_types
from dmn.model import (
    Binding,
    Body,
    ContextBody,
    ContextEntry,
    Decision,
    DecisionModel,
    DecisionService,
    DecisionTable,
    FunctionBody,
    InvocationBody,
    KnowledgeModel,
    ListBody,
    LiteralBody,
)
from dmn.reader import CellReader
from dmn.tables import decision_table
from dmn.xml_reader import child, children, load_dmn_xml, local_name, text_of
from steadyflow.errors import ModelValidationError

BOXED = ("decisionTable", "literalExpression", "context", "invocation", "list", "functionDefinition")


def parse_decisions(data: bytes, filename: str | None = None) -> DecisionModel:
    """Parse one DMN file; raise ModelValidationError listing every problem."""
    name = filename or "model.dmn"
    root = load_dmn_xml(data, name)
    reader = CellReader(name, root.get("expressionLanguage"))
    types = read_item_types(root, reader.problem)
    reader.named_types = {key: as_feel_type(item) for key, item in types.items.items()}
    reader.known_names = _multi_token_names(root)
    decision_nodes = children(root, "decision")
    bkm_nodes = children(root, "businessKnowledgeModel")
    decisions: dict[str, Decision] = {}
    for node in decision_nodes:
        decision = _decision(reader, node)
        if decision is not None:
            decisions[decision.id] = decision
    knowledge: dict[str, KnowledgeModel] = {}
    for node in bkm_nodes:
        bkm = _knowledge_model(reader, node)
        if bkm is not None:
            knowledge[bkm.id] = bkm
    services = {service.id: service for service in map(_decision_service, children(root, "decisionService"))}
    if not decision_nodes:
        reader.problem("the file has no decision", root, "add a decision (a table or a literal expression) in Modeler")
    declared_decisions = {str(n.get("id")) for n in decision_nodes}
    _check_requirements(reader, decisions, declared_decisions, {str(n.get("id")) for n in bkm_nodes} | set(services))
    _check_services(reader, services, declared_decisions, root)
    if reader.problems:
        raise ModelValidationError(reader.problems, file=name)
    input_types = {}
    for node in children(root, "inputData"):
        variable = child(node, "variable")
        if variable is not None and variable.get("typeRef"):
            input_types[str(variable.get("name") or node.get("name"))] = str(variable.get("typeRef"))
    return DecisionModel(
        filename=name,
        id=str(root.get("id") or ""),
        name=str(root.get("name") or root.get("id") or name),
        namespace=str(root.get("namespace") or ""),
        decisions=decisions,
        knowledge_models=knowledge,
        types=types,
        services=services,
        input_types=input_types,
    )


def _href(node: etree._Element) -> str:
    return str(node.get("href") or "").split("#")[-1]


def _decision(reader: CellReader, node: etree._Element) -> Decision | None:
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
    type_ref = variable.get("typeRef") if variable is not None else None
    reader.owner_id = ""
    if body is None:
        return None
    return Decision(
        decision_id,
        decision_name,
        body,
        tuple(required),
        tuple(knowledge),
        node.sourceline,
        variable_name,
        str(type_ref) if type_ref else None,
    )


def _decision_service(node: etree._Element) -> DecisionService:
    variable = child(node, "variable")
    type_ref = variable.get("typeRef") if variable is not None else None
    inputs = children(node, "inputData")
    return DecisionService(
        str(node.get("id") or ""),
        str(node.get("name") or node.get("id") or ""),
        tuple(_href(n) for n in children(node, "outputDecision")),
        tuple(_href(n) for n in children(node, "inputDecision")),
        tuple(_href(n) for n in inputs),
        str(type_ref) if type_ref else None,
    )


def _check_services(
    reader: CellReader, services: dict[str, DecisionService], declared: set[str], root: etree._Element
) -> None:
    """A service's decisions are the file's; its input data hrefs become the input data's names."""
    input_names = {str(n.get("id")): str(n.get("name") or n.get("id")) for n in children(root, "inputData")}
    for service_id, service in list(services.items()):
        reader.owner_id = service_id
        for ref in (*service.outputs, *service.input_decisions):
            if ref not in declared:
                reader.problem(
                    f"decision service '{service_id}' names decision '{ref}', which this file does not define",
                    None,
                    "keep a decision service's decisions in the same DMN file",
                )
        if not service.outputs:
            reader.problem(f"decision service '{service_id}' has no output decision", None, "add an output decision")
        services[service_id] = replace(service, input_data=tuple(input_names.get(i, i) for i in service.input_data))
    reader.owner_id = ""


# Characters that split a name into several FEEL tokens. A "." is left out: ``Person.Gender`` is a
# path into ``Person`` wherever the parameter of that name is not in scope.
_NAME_BREAKS = (" ", "\t", "\n", "-", "+", "*", "/")


def _multi_token_names(root: etree._Element) -> tuple[str, ...]:
    """The names the model declares (decisions, input data, knowledge models, their parameters, context
    entries) that FEEL would read as several tokens. The standard resolves such names against the names
    in scope; the model's names are a superset of every cell's scope, which only matters where a cell
    means ``a - b`` and the model also declares the name ``a-b``."""
    found = set()
    for node in root.iter():
        if not isinstance(node.tag, str) or local_name(node) not in _NAMED:
            continue
        name = " ".join(str(node.get("name") or "").split())
        if any(mark in name for mark in _NAME_BREAKS) and "'" not in name and '"' not in name:
            found.add(name)
    return tuple(sorted(found))


_NAMED = ("decision", "inputData", "businessKnowledgeModel", "decisionService", "formalParameter", "variable")


def _knowledge_model(reader: CellReader, node: etree._Element) -> KnowledgeModel | None:
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
    formal = children(logic, "formalParameter")
    parameters = tuple(str(p.get("name") or "") for p in formal)
    parameter_types = tuple(str(p.get("typeRef")) if p.get("typeRef") else None for p in formal)
    knowledge = tuple(
        _href(r) for k in children(node, "knowledgeRequirement") for r in children(k, "requiredKnowledge")
    )
    body = _boxed(reader, logic, label)
    reader.owner_id = ""
    return None if body is None else KnowledgeModel(bkm_id, bkm_name, parameters, body, knowledge, parameter_types)


def _boxed(reader: CellReader, owner: etree._Element, label: str) -> Body | None:
    """The one boxed expression directly inside ``owner`` (a decision, entry, binding or BKM logic)."""
    found = [c for c in owner if isinstance(c.tag, str) and local_name(c) in BOXED]
    if not found:
        others = [local_name(c) for c in owner if isinstance(c.tag, str) and local_name(c) in _UNSUPPORTED]
        what = f"a {others[0]}" if others else "no decision logic"
        reader.problem(f"{label} has {what}", owner, "use a decision table, literal expression, context or invocation")
        return None
    return _body(reader, found[0], label)


_UNSUPPORTED = ("relation", "conditional", "filter", "iterator", "every", "some", "for")


def _body(reader: CellReader, node: etree._Element, label: str) -> Body | None:
    body = _untyped_body(reader, node, label)
    type_ref = node.get("typeRef")
    if body is None or not type_ref or isinstance(body, DecisionTable):
        return body
    return replace(body, type_ref=str(type_ref))


def _untyped_body(reader: CellReader, node: etree._Element, label: str) -> Body | None:
    kind = local_name(node)
    if kind == "decisionTable":
        return decision_table(reader, node, label)
    if kind == "literalExpression":
        cell = reader.expression(node, f"{label}, literal expression")
        return None if cell is None else LiteralBody(cell)
    if kind == "context":
        entries = []
        for entry in children(node, "contextEntry"):
            variable = child(entry, "variable")
            entry_name = str(variable.get("name")) if variable is not None else None
            entry_type = variable.get("typeRef") if variable is not None else None
            entry_body = _boxed(reader, entry, f"{label}, context entry '{entry_name or 'result'}'")
            if entry_body is None:
                return None
            entries.append(ContextEntry(entry_name, entry_body, str(entry_type) if entry_type else None))
        return ContextBody(tuple(entries))
    if kind == "functionDefinition":
        return _function_definition(reader, node, label)
    if kind == "list":
        items = [_body(reader, c, f"{label}, list item {i}") for i, c in enumerate(_boxed_children(node), 1)]
        return None if any(i is None for i in items) else ListBody(tuple(i for i in items if i is not None))
    return _invocation(reader, node, label)


def _function_definition(reader: CellReader, node: etree._Element, label: str) -> Body | None:
    function_kind = str(node.get("kind") or "FEEL")
    if function_kind.upper() != "FEEL":
        reader.problem(
            f"{label} has a {function_kind} function definition",
            node,
            "steadyflow runs FEEL functions only; write the function's body as a FEEL boxed expression",
        )
        return None
    formal = children(node, "formalParameter")
    inner = _boxed(reader, node, f"{label}, function definition")
    if inner is None:
        return None
    return FunctionBody(
        tuple(str(p.get("name") or "") for p in formal),
        tuple(str(p.get("typeRef")) if p.get("typeRef") else None for p in formal),
        inner,
        f"{label}, function definition",
    )


def _boxed_children(node: etree._Element) -> list[etree._Element]:
    return [c for c in node if isinstance(c.tag, str) and local_name(c) in BOXED]


def _invocation(reader: CellReader, node: etree._Element, label: str) -> Body | None:
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


def _check_requirements(
    reader: CellReader, decisions: dict[str, Decision], declared: set[str], declared_knowledge: set[str]
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

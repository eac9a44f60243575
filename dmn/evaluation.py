"""Evaluating a decision: its required decisions first (the DRG in dependency order), then its logic.

Every decision evaluated leaves a :class:`DecisionEvaluation` (inputs, matched rules,
outputs) for history. A failure raises DecisionEvaluationError naming the decision and
the input, rule or cell, never anything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from bpmn.expressions.feel.closures import HostFunction
from bpmn.expressions.feel.types import FeelType
from dmn.functions import functions_for, knowledge_functions, service_functions
from dmn.hit_policies import HitPolicyViolation, Match, apply, decision_value
from dmn.item_types import as_feel_type
from dmn.model import (
    Body,
    Cell,
    ContextBody,
    Decision,
    DecisionModel,
    DecisionService,
    DecisionTable,
    FunctionBody,
    InvocationBody,
    KnowledgeModel,
    ListBody,
    LiteralBody,
    Rule,
)
from dmn.plain import plain
from steadyflow.errors import DecisionEvaluationError, ExpressionError, NotFoundError

MAX_INVOCATION_DEPTH = 32
"""Business knowledge models invoking each other deeper than this are refused (a loop in the model)."""


@dataclass
class DecisionEvaluation:
    """What one decision saw and decided, as history records it."""

    decision_id: str
    decision_name: str
    kind: str
    hit_policy: str | None = None
    aggregation: str | None = None
    inputs: list[dict[str, Any]] = field(default_factory=list)
    matched_rules: list[dict[str, Any]] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    """Camunda's result list: one entry map per matched rule (after the hit policy)."""
    value: Any = None
    """The decision's value in DMN terms (a value, a context, or a list of them)."""

    def as_record(self) -> dict[str, Any]:
        return {
            "decision_id": self.decision_id,
            "decision_name": self.decision_name,
            "kind": self.kind,
            "hit_policy": self.hit_policy,
            "aggregation": self.aggregation,
            "inputs": plain(self.inputs),
            "matched_rules": plain(self.matched_rules),
            "results": plain(self.results),
            "value": plain(self.value),
        }


@dataclass
class DecisionResult:
    """The result of the decision asked for, and the evaluations of it and all it required."""

    decision_id: str
    value: Any
    results: list[dict[str, Any]]
    evaluations: list[DecisionEvaluation]


_SERVICE_DEPTH: ContextVar[int] = ContextVar("dmn_decision_service_depth", default=0)


def evaluate_decision(
    model: DecisionModel, decision_id: str, variables: Mapping[str, Any], given: Mapping[str, Any] | None = None
) -> DecisionResult:
    """Evaluate ``decision_id`` of ``model`` over ``variables`` (required decisions first).

    ``given`` holds values of decisions (by id) that are not evaluated but taken as they are
    (a decision service's input decisions).
    """
    if decision_id not in model.decisions:
        known = ", ".join(sorted(model.decisions)) or "none"
        raise NotFoundError(f"the DMN file {model.filename} has no decision '{decision_id}' (its decisions: {known})")
    evaluations: dict[str, DecisionEvaluation] = {}
    functions: dict[str, Any] = dict(knowledge_functions(model)) if model.knowledge_models else {}
    for bkm in model.knowledge_models.values():
        if bkm.id not in functions:  # a table, context or invocation: run by the DMN evaluator when called
            params = tuple((name, None) for name in bkm.parameters)
            functions[bkm.id] = HostFunction(bkm.name, params, partial(_run_knowledge_model, model, bkm, functions))
    if model.services:
        functions.update(service_functions(model, partial(_run_service, model)))
    inputs = dict(variables)
    for name, type_ref in model.input_types.items():
        if name in inputs:
            inputs[name] = model.types.coerce(inputs[name], type_ref)
    for given_id, value in (given or {}).items():
        given_decision = model.decisions[given_id]
        evaluations[given_id] = DecisionEvaluation(given_id, given_decision.name, "given", value=value)
        evaluations[given_id].results = [{given_decision.variable_name: value}]
    for current in model.requirement_order(decision_id, frozenset(given or ())):
        decision = model.decisions[current]
        scope = dict(inputs)
        if decision.required_knowledge:
            scope.update(functions_for(model, decision.required_knowledge, functions))
        for required in decision.required_decisions:
            _bind_required(scope, model.decisions[required], evaluations[required])
        evaluations[current] = _Evaluator(model, decision).run(scope)
    top = evaluations[decision_id]
    return DecisionResult(decision_id, top.value, top.results, list(evaluations.values()))


def _run_service(model: DecisionModel, service: DecisionService, arguments: dict[str, Any]) -> Any:
    """A decision service called as a function: its output decisions from the given inputs."""
    depth = _SERVICE_DEPTH.get()
    if depth >= MAX_INVOCATION_DEPTH:
        raise DecisionEvaluationError(
            service.id,
            f"decision service '{service.id}'",
            f"services call each other deeper than {MAX_INVOCATION_DEPTH}; the model loops",
        )
    token = _SERVICE_DEPTH.set(depth + 1)
    try:
        given = {}
        for decision_id in service.input_decisions:
            decision = model.decisions[decision_id]
            given[decision_id] = model.types.coerce(arguments.get(decision.variable_name), decision.type_ref)
        variables = {name: arguments.get(name) for name in service.input_data}
        values = {
            model.decisions[output].variable_name: evaluate_decision(model, output, variables, given).value
            for output in service.outputs
        }
    finally:
        _SERVICE_DEPTH.reset(token)
    value = next(iter(values.values())) if len(values) == 1 else values
    return model.types.coerce(value, service.type_ref)


def _run_knowledge_model(
    model: DecisionModel, bkm: KnowledgeModel, functions: Mapping[str, Any], arguments: dict[str, Any]
) -> Any:
    """A knowledge model whose logic is a decision table, context or invocation, called as a function.

    Its parameters are coerced to their typeRefs as an invocation box coerces them; the knowledge it
    requires is in scope. Calls nest at most MAX_INVOCATION_DEPTH deep (with decision services), so a
    table whose output calls its own knowledge model ends with an error instead of Python's recursion limit.
    """
    depth = _SERVICE_DEPTH.get()
    if depth >= MAX_INVOCATION_DEPTH:
        raise DecisionEvaluationError(
            bkm.id,
            f"business knowledge model '{bkm.id}'",
            f"knowledge models and services call each other deeper than {MAX_INVOCATION_DEPTH}; the model loops",
        )
    token = _SERVICE_DEPTH.set(depth + 1)
    try:
        types = dict(zip(bkm.parameters, bkm.parameter_types, strict=False))
        scope = functions_for(model, bkm.required_knowledge, functions)
        scope.update({name: model.types.coerce(arguments.get(name), types.get(name)) for name in bkm.parameters})
        return _Evaluator(model, None, bkm).body(bkm.body, with_dotted_paths(scope))
    finally:
        _SERVICE_DEPTH.reset(token)


def _declared_type(model: DecisionModel, type_ref: str | None) -> FeelType | None:
    wanted = model.types.resolve(type_ref)
    return None if wanted is None else as_feel_type(wanted)


def with_dotted_paths(bound: dict[str, Any]) -> dict[str, Any]:
    """Parameters named with a dot (``Person.Gender``) also as a path: ``Person`` a context of them.

    FEEL reads ``Person.Gender`` as the entry ``Gender`` of ``Person``; a knowledge model whose
    parameters are named so (the TCK's 0037) means the parameter. A prefix that is itself a name in
    scope is left alone.
    """
    dotted = [name for name in bound if "." in name]
    if not dotted:
        return bound
    scope = dict(bound)
    for name in dotted:
        *prefix, last = name.split(".")
        if prefix[0] in bound:
            continue
        target = scope.setdefault(prefix[0], {})
        for part in prefix[1:]:
            target = target.setdefault(part, {}) if isinstance(target, dict) else target
        if isinstance(target, dict):
            target[last] = bound[name]
    return scope


def _bind_required(scope: dict[str, Any], decision: Decision, evaluation: DecisionEvaluation) -> None:
    # Camunda 7 lets a dependent decision read a single result's output names; DMN (and Camunda 8)
    # name the whole result by the required decision's variable (its name) and by its id.
    if len(evaluation.results) == 1:
        scope.update(evaluation.results[0])
    scope[decision.variable_name] = evaluation.value
    scope[decision.id] = evaluation.value


class _Evaluator:
    """Evaluates one decision's logic, or a knowledge model's when it is called as a function (``decision`` None)."""

    def __init__(self, model: DecisionModel, decision: Decision | None, owner: KnowledgeModel | None = None) -> None:
        self.model = model
        self.decision = decision
        self.depth = 0
        named = decision if decision is not None else owner
        assert named is not None, "an evaluator evaluates a decision or a knowledge model"
        self.owner_id, self.owner_name = named.id, named.name
        self.variable_name = decision.variable_name if decision is not None else named.name
        self.label = f"decision '{named.id}'" if decision is not None else f"business knowledge model '{named.id}'"
        """The name an unnamed table output is filed under: the decision's variable or the knowledge model's name."""

    def fail(self, where: str, reason: str, source: str = "") -> DecisionEvaluationError:
        return DecisionEvaluationError(self.owner_id, where, reason, source)

    def run(self, scope: dict[str, Any]) -> DecisionEvaluation:
        decision = self.decision
        assert decision is not None, "run() evaluates a decision"
        body = decision.body
        if isinstance(body, DecisionTable):
            evaluation = DecisionEvaluation(decision.id, decision.name, "decisionTable", body.hit_policy)
            evaluation.aggregation = body.aggregation
            self.table(body, scope, evaluation)
            if decision.type_ref:
                evaluation.value = self.model.types.coerce(evaluation.value, decision.type_ref)
            return evaluation
        evaluation = DecisionEvaluation(decision.id, decision.name, _kind(body))
        evaluation.value = self.model.types.coerce(self.body(body, scope), decision.type_ref)
        evaluation.results = [{decision.variable_name: evaluation.value}]
        return evaluation

    def cell(self, cell: Cell, scope: Mapping[str, Any]) -> Any:
        try:
            return cell.expression.evaluate(scope)
        except ExpressionError as exc:
            raise self.fail(cell.where, getattr(exc, "reason", str(exc)), cell.source) from exc

    def body(self, body: Body, scope: Mapping[str, Any]) -> Any:
        value = self.untyped_body(body, scope)
        type_ref = None if isinstance(body, DecisionTable) else body.type_ref
        return self.model.types.coerce(value, type_ref) if type_ref else value

    def untyped_body(self, body: Body, scope: Mapping[str, Any]) -> Any:
        if isinstance(body, LiteralBody):
            return self.cell(body.cell, scope)
        if isinstance(body, DecisionTable):
            evaluation = DecisionEvaluation(self.owner_id, self.owner_name, "decisionTable", body.hit_policy)
            self.table(body, scope, evaluation)
            return evaluation.value
        if isinstance(body, ContextBody):
            return self.context(body, scope)
        if isinstance(body, ListBody):
            return [self.body(item, scope) for item in body.items]
        if isinstance(body, FunctionBody):
            return self.function(body, scope)
        return self.invoke(body, scope)

    def function(self, body: FunctionBody, scope: Mapping[str, Any]) -> HostFunction:
        """A boxed function definition's value: a function closing over ``scope``."""
        closed = dict(scope)
        types = dict(zip(body.parameters, body.parameter_types, strict=False))
        params = tuple((name, _declared_type(self.model, types.get(name))) for name in body.parameters)

        def run(arguments: dict[str, Any]) -> Any:
            depth = _SERVICE_DEPTH.get()
            if depth >= MAX_INVOCATION_DEPTH:
                raise self.fail(body.where, f"functions call each other deeper than {MAX_INVOCATION_DEPTH}")
            token = _SERVICE_DEPTH.set(depth + 1)
            try:
                bound = {
                    name: self.model.types.coerce(arguments.get(name), types.get(name)) for name in body.parameters
                }
                return self.body(body.body, {**closed, **with_dotted_paths(bound)})
            finally:
                _SERVICE_DEPTH.reset(token)

        return HostFunction("function", params, run)

    def context(self, body: ContextBody, scope: Mapping[str, Any]) -> Any:
        entries: dict[str, Any] = {}
        for entry in body.entries:
            value = self.body(entry.body, {**scope, **entries})
            if entry.type_ref:
                value = self.model.types.coerce(value, entry.type_ref)
            if entry.name is None:
                return value
            entries[entry.name] = value
        return entries

    def invoke(self, body: InvocationBody, scope: Mapping[str, Any]) -> Any:
        bkm = self.knowledge_model(body)
        arguments = {b.parameter: (self.body(b.body, scope) if b.body is not None else None) for b in body.bindings}
        unknown = sorted(set(arguments) - set(bkm.parameters))
        if unknown:
            raise self.fail(body.where, f"'{bkm.name}' has no parameter {', '.join(unknown)}")
        if self.depth >= MAX_INVOCATION_DEPTH:
            raise self.fail(body.where, f"invocations nest deeper than {MAX_INVOCATION_DEPTH}; the model loops")
        types = dict(zip(bkm.parameters, bkm.parameter_types, strict=False))
        bound = {name: self.model.types.coerce(arguments.get(name), types.get(name)) for name in bkm.parameters}
        self.depth += 1
        try:
            return self.body(bkm.body, with_dotted_paths(bound))
        finally:
            self.depth -= 1

    def knowledge_model(self, body: InvocationBody) -> KnowledgeModel:
        for bkm in self.model.knowledge_models.values():
            if body.target in (bkm.name, bkm.id):
                return bkm
        raise self.fail(body.where, f"no business knowledge model is named '{body.target}'")

    def table(self, table: DecisionTable, scope: Mapping[str, Any], evaluation: DecisionEvaluation) -> None:
        label = self.label
        values = []
        for number, clause in enumerate(table.inputs, 1):
            value = self.cell(clause.expression, scope)
            where = f"{label}, input {number} '{clause.title}'"
            if clause.allowed is not None and not self.entry_matches(clause.allowed, value, scope, where):
                raise self.fail(
                    where,
                    f"the value {plain(value)!r} is not one of the input values ({clause.allowed.source})",
                    clause.expression.source,
                )
            values.append(value)
            evaluation.inputs.append(
                {"id": clause.id, "label": clause.label, "expression": clause.expression.source, "value": value}
            )
        matches = []
        verdicts: dict[tuple[int, int], bool] = {}
        for rule in table.rules:
            if all(self.rule_entry(table, rule, i, values[i], scope, verdicts) for i in range(len(rule.entries))):
                outputs = {
                    output.name or self.variable_name: (None if cell is None else self.cell(cell, scope))
                    for output, cell in zip(table.outputs, rule.outputs, strict=True)
                }
                matches.append(Match(rule.number, rule.id, outputs))
                if table.hit_policy == "FIRST":
                    break  # later rules cannot change a FIRST result (Camunda stops here too)
        try:
            chosen, results = apply(table, matches)
        except HitPolicyViolation as exc:
            raise self.fail(label, str(exc)) from None
        evaluation.matched_rules = [{"id": m.rule_id, "number": m.number} for m in chosen]
        evaluation.results = results
        evaluation.value = decision_value(table, results)

    def rule_entry(
        self,
        table: DecisionTable,
        rule: Rule,
        index: int,
        value: Any,
        scope: Mapping[str, Any],
        verdicts: dict[tuple[int, int], bool],
    ) -> bool:
        # Identical cell texts compile to one shared object, so a column's repeated entries ("Fall", "gold")
        # are tested once per evaluation: same test, same input, same variables, same verdict.
        entry = rule.entries[index]
        known = verdicts.get((index, id(entry)))
        if known is not None:
            return known
        try:
            verdict = bool(entry.matches(value, scope))
            verdicts[(index, id(entry))] = verdict
            return verdict
        except ExpressionError as exc:
            where = f"{self.label}, rule {rule.number} ({rule.id}), input '{table.inputs[index].title}'"
            raise self.fail(where, getattr(exc, "reason", str(exc)), entry.source) from exc

    def entry_matches(self, entry: Any, value: Any, scope: Mapping[str, Any], where: str) -> bool:
        try:
            return bool(entry.matches(value, scope))
        except ExpressionError as exc:
            raise self.fail(where, getattr(exc, "reason", str(exc)), entry.source) from exc


def _kind(body: Body) -> str:
    return {
        LiteralBody: "literalExpression",
        ContextBody: "context",
        ListBody: "list",
        InvocationBody: "invocation",
        DecisionTable: "decisionTable",
        FunctionBody: "functionDefinition",
    }[type(body)]

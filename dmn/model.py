"""What a DMN file becomes: immutable decisions, tables and boxed expressions, compiled once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bpmn.expressions import CompiledExpression
from dmn.cells import InputEntry
from dmn.item_types import TypeRegistry

HIT_POLICIES = ("UNIQUE", "FIRST", "PRIORITY", "ANY", "COLLECT", "RULE ORDER", "OUTPUT ORDER")
SINGLE_HIT = ("UNIQUE", "FIRST", "PRIORITY", "ANY")
AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")


@dataclass(frozen=True)
class Cell:
    """One compiled expression of the model with where it stands, for error messages."""

    expression: CompiledExpression
    where: str
    """Decision, rule and column in words: ``decision 'dish', rule 2 (DecisionRule_2), output 'desiredDish'``."""

    @property
    def source(self) -> str:
        return self.expression.source


@dataclass(frozen=True)
class InputClause:
    id: str
    label: str
    expression: Cell
    type_ref: str | None
    allowed: InputEntry | None
    input_variable: str
    """Camunda 7 also binds the input value under this name (``cellInput`` unless the model says)."""

    @property
    def title(self) -> str:
        return self.label or self.expression.source or self.id


@dataclass(frozen=True)
class OutputClause:
    id: str
    name: str
    label: str
    type_ref: str | None
    allowed: tuple[Any, ...]
    """The output values in priority order (PRIORITY, OUTPUT ORDER); empty when the model lists none."""


@dataclass(frozen=True)
class Rule:
    id: str
    number: int
    """1-based position in the table, as Modeler shows it."""
    entries: tuple[InputEntry, ...]
    outputs: tuple[Cell | None, ...]
    """None for an empty output entry (null)."""
    description: str = ""


@dataclass(frozen=True)
class DecisionTable:
    id: str
    hit_policy: str
    aggregation: str | None
    inputs: tuple[InputClause, ...]
    outputs: tuple[OutputClause, ...]
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class LiteralBody:
    cell: Cell
    type_ref: str | None = None


@dataclass(frozen=True)
class ContextEntry:
    name: str | None
    """None for the final entry that gives the context's result."""
    body: Body
    type_ref: str | None = None
    """The entry variable's ``typeRef``."""


@dataclass(frozen=True)
class ContextBody:
    entries: tuple[ContextEntry, ...]
    type_ref: str | None = None


@dataclass(frozen=True)
class ListBody:
    items: tuple[Body, ...]
    type_ref: str | None = None


@dataclass(frozen=True)
class Binding:
    parameter: str
    body: Body | None


@dataclass(frozen=True)
class InvocationBody:
    target: str
    """The business knowledge model's name as the invocation's text names it."""
    bindings: tuple[Binding, ...]
    where: str
    type_ref: str | None = None


@dataclass(frozen=True)
class FunctionBody:
    """A boxed function definition (DMN 1.5 10.2.1.5): its value is a function of ``parameters``.

    Calling it evaluates ``body`` with the arguments (coerced to the parameters' typeRefs) over the
    scope the definition was evaluated in, so it closes over the names around it.
    """

    parameters: tuple[str, ...]
    parameter_types: tuple[str | None, ...]
    body: Body
    where: str
    type_ref: str | None = None


Body = DecisionTable | LiteralBody | ContextBody | ListBody | InvocationBody | FunctionBody


@dataclass(frozen=True)
class KnowledgeModel:
    """A business knowledge model: a function (parameters, body) that decisions invoke by name."""

    id: str
    name: str
    parameters: tuple[str, ...]
    body: Body
    required_knowledge: tuple[str, ...]
    parameter_types: tuple[str | None, ...] = ()
    """Each formal parameter's ``typeRef`` (None where it declares none)."""


@dataclass(frozen=True)
class DecisionService:
    """A decision service (DMN 1.5 6.3.10): output decisions evaluated from given inputs, callable as a function.

    Its parameters are its input decisions' names, then its input data's names (the standard's order).
    """

    id: str
    name: str
    outputs: tuple[str, ...]
    """Ids of the output decisions; one gives the service's value, several a context by their names."""
    input_decisions: tuple[str, ...]
    """Ids of the decisions whose values the caller gives instead of their being evaluated."""
    input_data: tuple[str, ...]
    """Names of the input data the caller gives."""
    type_ref: str | None = None


@dataclass(frozen=True)
class Decision:
    id: str
    name: str
    body: Body
    required_decisions: tuple[str, ...]
    """Ids of the decisions whose results this one reads, in model order."""
    required_knowledge: tuple[str, ...]
    line: int | None
    variable_name: str
    """The name the decision's result has in decisions that require it (its variable, else its name)."""
    type_ref: str | None = None
    """The decision variable's ``typeRef``: the result is coerced to it (null when it does not conform)."""


@dataclass(frozen=True)
class DecisionModel:
    """One parsed DMN file: its decisions (by id), knowledge models (by id) and metadata."""

    filename: str
    id: str
    name: str
    namespace: str
    decisions: Mapping[str, Decision]
    knowledge_models: Mapping[str, KnowledgeModel]
    warnings: tuple[str, ...] = field(default=())
    types: TypeRegistry = field(default_factory=lambda: TypeRegistry({}))
    """The model's item definitions and how its ``typeRef`` names are read."""
    services: Mapping[str, DecisionService] = field(default_factory=dict)
    """Decision services by id; decisions call them by name (a knowledge requirement names the service)."""
    input_types: Mapping[str, str] = field(default_factory=dict)
    """Input data name -> its variable's ``typeRef``: an input is coerced to it before any decision reads it."""

    def decision(self, decision_id: str) -> Decision:
        return self.decisions[decision_id]

    def requirement_order(self, decision_id: str, given: frozenset[str] = frozenset()) -> list[str]:
        """``decision_id`` and every decision it requires, each after all it requires (a DRG walk).

        Decisions in ``given`` (a decision service's input decisions) are left out with all they require.
        """
        order: list[str] = []
        seen: set[str] = set(given)
        stack: list[tuple[str, int]] = [(decision_id, 0)]
        while stack:
            current, position = stack.pop()
            required = self.decisions[current].required_decisions
            if position < len(required):
                stack.append((current, position + 1))
                child = required[position]
                if child not in seen:
                    stack.append((child, 0))
                    seen.add(child)
                continue
            if current not in order:
                order.append(current)
        return order

"""Compiling the expressions of a DMN model: FEEL by default, JUEL where a Camunda 7 model says so."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bpmn.expressions import CompiledExpression, compile_feel, compile_juel, compile_unary_tests
from bpmn.expressions.feel import FeelType
from bpmn.expressions.feel import compile_feel as compile_feel_with_types
from steadyflow.errors import ExpressionSyntaxError

FEEL_LANGUAGES = ("", "feel", "https://www.omg.org/spec/dmn/20191111/feel/", "http://www.omg.org/spec/feel/20140401")
JUEL_LANGUAGES = ("juel",)


class InputEntry(Protocol):
    """A rule's condition on one input: FEEL unary tests, or a JUEL boolean over ``cellInput``."""

    @property
    def source(self) -> str: ...

    def matches(self, value: Any, variables: Mapping[str, Any] | None = None) -> bool: ...

    def variable_names(self) -> frozenset[str]: ...


@dataclass(frozen=True)
class JuelInputEntry:
    """A Camunda 7 JUEL input entry: true when the expression is true with the input bound."""

    source: str
    expression: CompiledExpression
    input_variable: str

    def matches(self, value: Any, variables: Mapping[str, Any] | None = None) -> bool:
        return self.expression.evaluate({**(variables or {}), self.input_variable: value}) is True

    def variable_names(self) -> frozenset[str]:
        return self.expression.variable_names()


@dataclass(frozen=True)
class AnyInput:
    """An empty or ``-`` input entry: it matches every value, so no FEEL runs for it."""

    source: str = "-"

    def matches(self, value: Any, variables: Mapping[str, Any] | None = None) -> bool:
        return True

    def variable_names(self) -> frozenset[str]:
        return frozenset()


class UnknownLanguage(Exception):
    """The model names an expression language we do not run."""


def normalised(language: str | None) -> str:
    value = (language or "").strip().lower()
    if value in FEEL_LANGUAGES or value.startswith(("https://www.omg.org/spec/dmn/", "http://www.omg.org/spec/dmn/")):
        return "feel"
    if value in JUEL_LANGUAGES:
        return "juel"
    raise UnknownLanguage(language)


def juel_text(text: str) -> str:
    return text if "${" in text or "#{" in text else "${" + text + "}"


def compile_cell_expression(
    text: str,
    language: str | None,
    named_types: Mapping[str, FeelType] | None = None,
    known_names: Sequence[str] = (),
) -> CompiledExpression:
    """An input expression, output entry or literal expression; raises ExpressionSyntaxError or UnknownLanguage.

    ``named_types`` are the model's item definitions as FEEL types, for ``x instance of tMyType`` and
    typed function parameters. FEEL's own names come first: the text is compiled (and cached) without
    them, and again with them only when that fails, so a cell that names no item definition is the
    shared compiled object and one that does is refused exactly as before when the name is unknown.
    ``known_names`` are the model's names of several words or with ``-``, ``+``, ``*``, ``/``
    (``Pre-bureau risk category``); a cell that writes one of them is compiled reading it as one name.
    """
    if normalised(language) == "juel":
        return compile_juel(juel_text(text))
    spaced = " ".join(text.split())  # a name's words may stand with any whitespace between them
    written = [name for name in known_names if name in spaced]
    if written:
        return compile_feel_with_types(text, named_types, written)
    try:
        return compile_feel(text)
    except ExpressionSyntaxError:
        if not named_types:
            raise
        return compile_feel_with_types(text, named_types)


def compile_input_entry(text: str, language: str | None, input_variable: str) -> InputEntry:
    """An input entry (empty text and ``-`` match anything)."""
    if normalised(language) == "juel":
        return JuelInputEntry(text, compile_juel(juel_text(text)), input_variable)
    if text.strip() in ("", "-"):
        return AnyInput()
    return compile_unary_tests(text)

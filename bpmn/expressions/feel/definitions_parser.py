"""Parsing of function definitions and types (DMN 1.5 grammar rules 54 and 57).

``function(a, b: number) body`` and the types after ``instance of`` or a
parameter's ``:`` (``list<number>``, ``context<a: string>``, ``range<date>``,
``function<number> -> Any``). A mixin of the expression parser, which
supplies ``parse_expression``.
"""

from __future__ import annotations

from bpmn.expressions.feel import ast
from bpmn.expressions.feel.cursor import RESERVED
from bpmn.expressions.feel.lexer import NAME, QUOTED_NAME
from bpmn.expressions.feel.types import BASE_TYPES, ContextType, FeelType, FunctionType, ListType, RangeType
from bpmn.expressions.feel.unary_tests import TestsParser


class DefinitionsParser(TestsParser):
    def function_definition(self) -> ast.Node:
        start = self.advance()
        self.expect_op("(")
        params: list[tuple[str, FeelType | None]] = []
        while not self.peek().is_op(")"):
            name = self.peek()
            if name.kind not in (NAME, QUOTED_NAME) or (name.kind == NAME and name.text in RESERVED):
                raise self.expected("a parameter name")
            self.advance()
            declared = None
            if self.peek().is_op(":"):
                self.advance()
                declared = self.type_name()
            if any(existing == name.text for existing, _ in params):
                raise self.error(f"the parameter {name.text!r} is declared twice", name)
            params.append((name.text, declared))
            if not self.peek().is_op(","):
                break
            self.advance()
        self.expect_op(")")
        if self.peek().is_word("external"):
            raise self.error(
                "external functions (Java or PMML) are not supported; write the function body in FEEL",
                self.peek(),
            )
        return ast.FunctionDefinition(start.pos, tuple(params), self.parse_expression())

    def type_name(self) -> FeelType:
        """A type (DMN 1.5 grammar rule 54): a name, list<T>, range<T>, context<k: T>, function<T> -> R."""
        self.enter()
        try:
            for words in BASE_TYPES:
                if self.words_ahead(words):
                    for _ in words:
                        self.advance()
                    name = " ".join(words)
                    if name in ("list", "range", "context", "function") and self.peek().is_op("<"):
                        return self.type_parameters(name)
                    return FeelType(name)
            declared = self.named_types.get(self.peek().text) if self.peek().kind == NAME else None
            if declared is not None:
                self.advance()
                return declared
        finally:
            self.depth -= 1
        raise self.expected("a type name such as number, string, list<number> or date and time")

    def type_parameters(self, name: str) -> FeelType:
        self.advance()
        if name == "context":
            entries: list[tuple[str, FeelType]] = []
            while True:
                length = self.argument_name_length()
                if length == 0:
                    raise self.expected("a context entry name followed by ':'")
                key = " ".join(self.advance().text for _ in range(length))
                self.expect_op(":")
                entries.append((key, self.type_name()))
                if not self.peek().is_op(","):
                    break
                self.advance()
            self.expect_op(">")
            return ContextType(name, tuple(entries))
        if name == "function":
            params: list[FeelType] = []
            while not self.peek().is_op(">"):
                params.append(self.type_name())
                if not self.peek().is_op(","):
                    break
                self.advance()
            self.expect_op(">")
            self.expect_op("-")
            self.expect_op(">")
            return FunctionType(name, tuple(params), self.type_name())
        inner = self.type_name()
        self.expect_op(">")
        return ListType(name, inner) if name == "list" else RangeType(name, inner)

    def argument_name_length(self) -> int:
        """Number of words forming ``name:`` at the cursor (0 if it is not one)."""
        length = 0
        while self.peek(length).kind in (NAME, QUOTED_NAME):
            length += 1
        return length if length and self.peek(length).is_op(":") else 0

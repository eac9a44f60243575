"""Token cursor and shared checks for the FEEL parsers.

The expression parser and the unary-tests parser walk the same token list
with the same helpers: look ahead, consume, and build syntax errors that say
what was expected and point at the offending token. The nesting counter
lives here too, so every recursive rule shares one limit and deep input
fails with a syntax error long before Python's recursion limit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from bpmn.expressions.feel import ast, lexer
from bpmn.expressions.feel.lexer import EOF, Token
from bpmn.expressions.feel.types import FeelType
from bpmn.expressions.limits import MAX_NESTING, MAX_TREE_DEPTH
from steadyflow.errors import ExpressionSyntaxError

OR, AND, COMPARISON, INSTANCE, ADDITIVE, MULTIPLICATIVE, POWER = range(1, 8)

RESERVED = frozenset(
    {
        "if",
        "then",
        "else",
        "for",
        "in",
        "return",
        "some",
        "every",
        "satisfies",
        "and",
        "or",
        "between",
        "instance",
        "of",
        "true",
        "false",
        "null",
        "function",
    }
)


class Cursor:
    """A position in the token list of one source text (one per parse)."""

    def __init__(
        self,
        source: str,
        named_types: Mapping[str, FeelType] | None = None,
        known_names: Sequence[str] = (),
    ) -> None:
        self.source = source
        self.named_types: Mapping[str, FeelType] = named_types or {}
        """Types the caller declares by name (a DMN model's item definitions), for ``instance of`` and parameters."""
        self.known_names = _name_patterns(known_names)
        """Names of several tokens the caller declares (``monthly salary``, ``Pre-bureauRisk``), longest first."""
        self.tokens = lexer.tokenize(source)
        self.index = 0
        self.depth = 0
        # In "]1..5[" the closing "[" must not start a filter on 5.
        self.no_filter_depth = -1

    # --- token helpers -------------------------------------------------------

    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != EOF:
            self.index += 1
        return token

    def error(self, message: str, token: Token | None = None) -> ExpressionSyntaxError:
        token = token or self.peek()
        return ExpressionSyntaxError(message, self.source, token.pos)

    def expected(self, what: str) -> ExpressionSyntaxError:
        return self.error(f"expected {what} but found {self.peek().describe()}")

    def expect_op(self, op: str) -> Token:
        if not self.peek().is_op(op):
            raise self.expected(f"'{op}'")
        return self.advance()

    def expect_word(self, word: str) -> Token:
        if not self.peek().is_word(word):
            raise self.expected(f"'{word}'")
        return self.advance()

    def known_name_ahead(self) -> tuple[str, int]:
        """(name, tokens) of the longest declared name written from the next token on; ("", 0) if none.

        A name matches where its words stand in the text with any whitespace between them and it
        ends where a token ends, so ``days in weekend`` is one name but ``days in weekendx`` is not.
        """
        start = self.peek().pos
        for name, pattern in self.known_names:
            found = pattern.match(self.source, start)
            if found is None:
                continue
            count = 0
            while self.peek(count).kind != EOF and self.peek(count).end < found.end():
                count += 1
            if self.peek(count).end == found.end():
                return name, count + 1
        return "", 0

    def words_ahead(self, words: tuple[str, ...]) -> bool:
        return all(self.peek(i).is_word(word) for i, word in enumerate(words))

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.error(f"the expression is nested more than {MAX_NESTING} levels deep")


def _name_patterns(names: Sequence[str]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    ordered = sorted({name for name in names if name.strip()}, key=len, reverse=True)
    return tuple((name, re.compile(r"\s+".join(re.escape(part) for part in name.split()))) for name in ordered)


def walk(root: ast.Node) -> list[ast.Node]:
    """All nodes under ``root`` (iteratively, so deep trees cannot overflow the stack)."""
    found: list[ast.Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node.children())
    return found


def check_tree_depth(root: ast.Node, source: str) -> None:
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_TREE_DEPTH:
            raise ExpressionSyntaxError(
                f"the expression is more than {MAX_TREE_DEPTH} operations deep; "
                "split it into several expressions or variables",
                source,
                node.pos,
            )
        stack.extend((child, depth + 1) for child in node.children())

"""Recursive-descent parser for FEEL expressions and unary tests.

Binary operators are parsed by precedence climbing, which keeps the Python
stack shallow (a few frames per bracket level instead of one per grammar
rule). Precedence, loosest first::

    or < and < comparison (= != < <= > >= between in) < instance of
       < + - < * / < ** < unary minus < path/filter/call

``if``, ``for``, ``some`` and ``every`` start wherever an operand may start,
and their last part extends as far right as possible, as in feel-scala.

Words are turned into keywords here, not in the lexer: a run of words
followed by ``(`` that spells a built-in name with spaces (``date and time(``,
``get or else(``) becomes one function name, everywhere else ``and`` is the
operator. Nesting deeper than :data:`MAX_NESTING` and trees deeper than
:data:`MAX_TREE_DEPTH` are refused, so hostile input gets a syntax error
instead of a ``RecursionError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bpmn.expressions.feel import ast, numbers, temporal
from bpmn.expressions.feel.builtins import BUILTINS
from bpmn.expressions.feel.cursor import (
    ADDITIVE,
    AND,
    COMPARISON,
    INSTANCE,
    MULTIPLICATIVE,
    OR,
    POWER,
    RESERVED,
    check_tree_depth,
    walk,
)
from bpmn.expressions.feel.definitions_parser import DefinitionsParser
from bpmn.expressions.feel.lexer import EOF, NAME, NUMBER, OP, QUOTED_NAME, STRING, TEMPORAL, Token
from bpmn.expressions.feel.types import FeelType

_BINARY = {
    "+": ADDITIVE,
    "-": ADDITIVE,
    "*": MULTIPLICATIVE,
    "/": MULTIPLICATIVE,
    "**": POWER,
    "=": COMPARISON,
    "!=": COMPARISON,
    "<": COMPARISON,
    "<=": COMPARISON,
    ">": COMPARISON,
    ">=": COMPARISON,
}
_WORD_OPERATORS = {"or": OR, "and": AND, "between": COMPARISON, "in": COMPARISON, "instance": INSTANCE}
_NAME_SYMBOLS = ("+", "-", "*", "/", ".")
_MULTI_WORD_MEMBERS = (("time", "offset"), ("start", "included"), ("end", "included"))
_FUNCTION_NAMES = BUILTINS.multi_word_names()


class Parser(DefinitionsParser):
    """FEEL expressions; one instance parses one source text."""

    # --- entry points ----------------------------------------------------------

    def parse(self) -> ast.Node:
        node = self.parse_expression()
        if self.peek().kind != EOF:
            raise self.expected("an operator or the end of the expression")
        check_tree_depth(node, self.source)
        return node

    def parse_expression(self) -> ast.Node:
        self.enter()
        try:
            return self.binary(OR)
        finally:
            self.depth -= 1

    def binary(self, min_precedence: int) -> ast.Node:
        left = self.unary()
        while True:
            token = self.peek()
            if token.kind == OP and token.text in _BINARY:
                precedence = _BINARY[token.text]
            elif token.kind == NAME and token.text in _WORD_OPERATORS:
                precedence = _WORD_OPERATORS[token.text]
            else:
                return left
            if precedence < min_precedence:
                return left
            self.advance()
            if token.text in ("and", "or"):
                left = ast.Logical(token.pos, token.text, left, self.binary(precedence + 1))
            elif token.text == "between":
                low = self.binary(INSTANCE)
                self.expect_word("and")
                left = ast.Between(token.pos, left, low, self.binary(INSTANCE))
            elif token.text == "in":
                left = ast.In(token.pos, left, self.in_tests())
            elif token.text == "instance":
                self.expect_word("of")
                left = ast.InstanceOf(token.pos, left, self.type_name())
            else:
                left = ast.Binary(token.pos, token.text, left, self.binary(precedence + 1))

    def unary(self) -> ast.Node:
        token = self.peek()
        if not token.is_op("-"):
            return self.postfix(self.primary())
        self.advance()
        self.enter()
        try:
            operand = self.unary()
        finally:
            self.depth -= 1
        if isinstance(operand, ast.Literal) and numbers.is_number(operand.value):
            return ast.Literal(token.pos, numbers.negate(operand.value))
        return ast.Negate(token.pos, operand)

    def postfix(self, node: ast.Node) -> ast.Node:
        while True:
            token = self.peek()
            if token.is_op("."):
                self.advance()
                member = self.peek()
                if member.kind not in (NAME, QUOTED_NAME):
                    raise self.expected("a name after '.'")
                self.advance()
                name = member.text
                for words in _MULTI_WORD_MEMBERS:
                    if name == words[0] and self.peek().is_word(words[1]):
                        self.advance()
                        name = " ".join(words)
                node = ast.Path(token.pos, node, name)
            elif token.is_op("("):
                args, named = self.arguments(token, "the function value")
                node = ast.Invoke(token.pos, node, args, named)
            elif token.is_op("[") and self.depth != self.no_filter_depth:
                self.advance()
                condition = self.parse_expression()
                self.expect_op("]")
                node = ast.Filter(token.pos, node, condition)
            else:
                return node

    def primary(self) -> ast.Node:
        token = self.peek()
        if token.kind == NUMBER:
            self.advance()
            try:
                return ast.Literal(token.pos, numbers.parse_literal(token.text))
            except ValueError as exc:
                raise self.error(str(exc), token) from None
        if token.kind == STRING:
            self.advance()
            return ast.Literal(token.pos, token.text)
        if token.kind == TEMPORAL:
            self.advance()
            value = temporal.parse_temporal_literal(token.text)
            if value is None:
                raise self.error(
                    f'expected a date, time, date and time or duration in @"..." but found {token.text!r}',
                    token,
                )
            return ast.Literal(token.pos, value)
        if token.kind == QUOTED_NAME:
            self.advance()
            return self.call(token, token.text) if self.peek().is_op("(") else ast.Name(token.pos, token.text)
        if token.kind == NAME:
            return self.word(token)
        if token.is_op("("):
            return self.parenthesis()
        if token.is_op("["):
            return self.bracket()
        if token.is_op("]"):
            self.advance()
            return self.range_rest(token, self.parse_expression(), start_included=False)
        if token.is_op("{"):
            return self.context()
        if token.is_op("<", "<=", ">", ">=", "=", "!="):
            self.advance()
            return ast.OpenRange(token.pos, token.text, self.binary(ADDITIVE))
        if token.is_op("?"):
            self.advance()
            return ast.Name(token.pos, "?")
        raise self.expected("an expression")

    def word(self, token: Token) -> ast.Node:
        text = token.text
        if text in ("true", "false", "null"):
            self.advance()
            return ast.Literal(token.pos, {"true": True, "false": False, "null": None}[text])
        if text == "if":
            return self.if_expression()
        if text == "for":
            return self.for_expression()
        if text in ("some", "every"):
            return self.quantified()
        if text == "function":
            return self.function_definition()
        for words in _FUNCTION_NAMES:
            if self.words_ahead(words) and self.peek(len(words)).is_op("("):
                for _ in words:
                    self.advance()
                return self.call(token, " ".join(words))
        if self.known_names:  # after the built-ins: a decision named "overlaps after" may call overlaps after()
            known, length = self.known_name_ahead()
            if length > 1:
                for _ in range(length):
                    self.advance()
                return ast.Name(token.pos, known)
        if text in RESERVED:
            raise self.expected("an expression")
        self.advance()
        if self.peek().is_op("("):
            return self.call(token, text)
        return ast.Name(token.pos, text)

    def call(self, token: Token, name: str) -> ast.Node:
        args, named = self.arguments(token, name)
        return ast.Call(token.pos, name, args, named)

    def arguments(self, token: Token, name: str) -> tuple[tuple[ast.Node, ...], tuple[tuple[str, ast.Node], ...]]:
        """``( ... )`` of a call: positional or named arguments, never mixed."""
        self.expect_op("(")
        self.enter()
        try:
            args: list[ast.Node] = []
            named: list[tuple[str, ast.Node]] = []
            if not self.peek().is_op(")"):
                use_names = self.argument_name_length() > 0
                while True:
                    if use_names:
                        length = self.argument_name_length()
                        if length == 0:
                            raise self.expected("a parameter name followed by ':'")
                        words = [self.advance().text for _ in range(length)]
                        self.expect_op(":")
                        named.append((" ".join(words), self.parse_expression()))
                    else:
                        args.append(self.parse_expression())
                    if not self.peek().is_op(","):
                        break
                    self.advance()
            self.expect_op(")")
        finally:
            self.depth -= 1
        names = [key for key, _ in named]
        if len(set(names)) != len(names):
            raise self.error(f"a parameter is named twice in the call of '{name}'", token)
        return tuple(args), tuple(named)

    def parenthesis(self) -> ast.Node:
        opening = self.advance()
        inner = self.parse_expression()
        if self.peek().is_op(".."):
            return self.range_rest(opening, inner, start_included=False)
        self.expect_op(")")
        return inner

    def bracket(self) -> ast.Node:
        opening = self.advance()
        if self.peek().is_op("]"):
            self.advance()
            return ast.ListLiteral(opening.pos, ())
        first = self.parse_expression()
        if self.peek().is_op(".."):
            return self.range_rest(opening, first, start_included=True)
        items = [first]
        while self.peek().is_op(","):
            self.advance()
            items.append(self.parse_expression())
        self.expect_op("]")
        return ast.ListLiteral(opening.pos, tuple(items))

    def range_rest(self, opening: Token, start: ast.Node, *, start_included: bool) -> ast.Node:
        self.expect_op("..")
        outer, self.no_filter_depth = self.no_filter_depth, self.depth + 1
        try:
            end = self.parse_expression()
        finally:
            self.no_filter_depth = outer
        closing = self.peek()
        if not closing.is_op("]", ")", "["):
            raise self.expected("']', ')' or '[' to close the range")
        self.advance()
        return ast.RangeLiteral(opening.pos, start, end, start_included, closing.is_op("]"))

    def context(self) -> ast.Node:
        opening = self.advance()
        entries: list[tuple[str, ast.Node]] = []
        self.enter()
        try:
            while not self.peek().is_op("}"):
                key = self.peek()
                if key.kind == STRING:
                    self.advance()
                    name = key.text
                else:
                    name = self.context_key()
                if any(existing == name for existing, _ in entries):
                    raise self.error(f"the context key {name!r} is defined twice", key)
                self.expect_op(":")
                entries.append((name, self.parse_expression()))
                if not self.peek().is_op(","):
                    break
                self.advance()
            self.expect_op("}")
        finally:
            self.depth -= 1
        return ast.ContextLiteral(opening.pos, tuple(entries))

    def context_key(self) -> str:
        """A key name before ``:``: words, and the name symbols ``+ - * / .`` between them (``foo+bar``).

        Parts written together stay together and parts separated by spaces
        are joined by one space, as the grammar's name rule (rule 27) reads.
        """
        length = self.argument_name_length()
        if length:
            return " ".join(self.advance().text for _ in range(length))
        count = 0
        while self.peek(count).kind in (NAME, QUOTED_NAME, NUMBER) or self.peek(count).is_op(*_NAME_SYMBOLS):
            count += 1
        if count == 0 or self.peek().kind not in (NAME, QUOTED_NAME) or not self.peek(count).is_op(":"):
            raise self.expected("a context key followed by ':'")
        text = ""
        previous_end = None
        for _ in range(count):
            token = self.advance()
            if previous_end is not None and token.pos > previous_end:
                text += " "
            text += token.text
            previous_end = token.end
        return text

    # --- textual expressions -----------------------------------------------------

    def if_expression(self) -> ast.Node:
        start = self.advance()
        condition = self.parse_expression()
        self.expect_word("then")
        then = self.parse_expression()
        self.expect_word("else")
        return ast.If(start.pos, condition, then, self.parse_expression())

    def iterations(self) -> tuple[ast.Iteration, ...]:
        found: list[ast.Iteration] = []
        while True:
            name = self.peek()
            if name.kind not in (NAME, QUOTED_NAME) or (name.kind == NAME and name.text in RESERVED):
                raise self.expected("a variable name")
            self.advance()
            self.expect_word("in")
            source = self.parse_expression()
            end = None
            if self.peek().is_op(".."):
                self.advance()
                end = self.parse_expression()
            found.append(ast.Iteration(name.pos, name.text, source, end))
            if not self.peek().is_op(","):
                return tuple(found)
            self.advance()

    def for_expression(self) -> ast.Node:
        start = self.advance()
        iterations = self.iterations()
        self.expect_word("return")
        body = self.parse_expression()
        uses_partial = any(isinstance(node, ast.Name) and node.name == "partial" for node in walk(body))
        return ast.For(start.pos, iterations, body, uses_partial)

    def quantified(self) -> ast.Node:
        start = self.advance()
        iterations = self.iterations()
        self.expect_word("satisfies")
        return ast.Quantified(start.pos, start.text == "every", iterations, self.parse_expression())


def parse_expression(
    source: str, named_types: Mapping[str, FeelType] | None = None, known_names: Sequence[str] = ()
) -> ast.Node:
    """The expression's tree.

    ``named_types`` are type names beyond FEEL's own (a DMN model's item definitions); ``known_names``
    are variable names of several tokens the caller knows to be in scope (the standard resolves
    ``monthly salary`` against the names in scope; without them it would be two names).
    """
    return Parser(source, named_types, known_names).parse()


def parse_unary_tests(source: str) -> tuple[ast.Node, ...]:
    return Parser(source).parse_unary_tests()


def parse_type(source: str) -> FeelType:
    """A FEEL type written as text (``number``, ``list<string>``, ``context<a: number>``), as a typeRef holds it."""
    parser = Parser(source)
    wanted = parser.type_name()
    if parser.peek().kind != EOF:
        raise parser.expected("the end of the type")
    return wanted

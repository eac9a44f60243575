"""Parsing FEEL unary tests: ``< 5``, ``[1..10]``, ``"a", "b"``, ``not(...)``, ``-``.

Unary tests appear in two places: on the right of ``in`` (``x in (1, 2)``,
``x in < 5``, ``x in 1..5``) and as DMN input entries, compiled with
``compile_unary_tests``. An entry may also be any boolean expression over
``?``, the value under test; such tests are wrapped in ``InputTest`` so the
evaluator uses their verdict directly instead of comparing ``?`` with it.
"""

from __future__ import annotations

from bpmn.expressions.feel import ast
from bpmn.expressions.feel.cursor import ADDITIVE, OR, Cursor, check_tree_depth, walk
from bpmn.expressions.feel.lexer import EOF


class TestsParser(Cursor):
    """Unary-test rules; the expression rules come from the subclass."""

    def binary(self, min_precedence: int) -> ast.Node:
        raise NotImplementedError

    def parse_expression(self) -> ast.Node:
        raise NotImplementedError

    def parse_unary_tests(self) -> tuple[ast.Node, ...]:
        token = self.peek()
        if token.is_op("-") and self.peek(1).kind == EOF:
            self.advance()
            return (ast.AnyTest(token.pos),)
        if token.is_word("not") and self.peek(1).is_op("("):
            self.advance()
            self.advance()
            tests = self.test_list(full=True)
            self.expect_op(")")
            result: tuple[ast.Node, ...] = (ast.NegatedTests(token.pos, tests),)
        else:
            result = self.test_list(full=True)
        if self.peek().kind != EOF:
            raise self.expected("',' or the end of the unary tests")
        for test in result:
            check_tree_depth(test, self.source)
        return result

    def in_tests(self) -> tuple[ast.Node, ...]:
        """The right side of ``in``: one positive unary test or ``(t1, t2, ...)``."""
        if self.peek().is_op("(") and self.is_test_list():
            self.advance()
            self.enter()
            try:
                tests = self.test_list(full=False)
                self.expect_op(")")
            finally:
                self.depth -= 1
            return tests
        return (self.positive_test(full=False),)

    def is_test_list(self) -> bool:
        """Does the parenthesis at the cursor hold a comma list or start with a comparison?"""
        if self.peek(1).is_op("<", "<=", ">", ">=", "=", "!="):
            return True
        depth = 0
        offset = 0
        while True:
            token = self.peek(offset)
            if token.kind == EOF:
                return False
            if token.is_op("(", "[", "{"):
                depth += 1
            elif token.is_op(")", "]", "}"):
                depth -= 1
                if depth <= 0:
                    return False
            elif depth == 1 and token.is_op(","):
                return True
            offset += 1

    def test_list(self, *, full: bool) -> tuple[ast.Node, ...]:
        tests = [self.positive_test(full=full)]
        while self.peek().is_op(","):
            self.advance()
            tests.append(self.positive_test(full=full))
        return tuple(tests)

    def positive_test(self, *, full: bool) -> ast.Node:
        token = self.peek()
        if token.is_op("<", "<=", ">", ">=", "=", "!="):
            self.advance()
            return ast.UnaryComparison(token.pos, token.text, self.binary(ADDITIVE))
        self.enter()
        try:
            node = self.binary(OR) if full else self.binary(ADDITIVE)
        finally:
            self.depth -= 1
        if self.peek().is_op(".."):
            self.advance()
            end = self.binary(ADDITIVE)
            return ast.RangeLiteral(token.pos, node, end, True, True)
        if full and any(isinstance(n, ast.Name) and n.name == "?" for n in walk(node)):
            return ast.InputTest(token.pos, node)
        return node

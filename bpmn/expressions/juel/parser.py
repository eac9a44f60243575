"""Parse JUEL templates: literal text with embedded ``${...}`` / ``#{...}``.

Inside an expression the EL 2.2 grammar is parsed by precedence climbing
(loosest first)::

    ?: < or || < and && < == != eq ne < < > <= >= lt gt le ge
       < + - < * / div % mod < unary - ! not empty < . [] access

Camunda 7 models often call methods on beans (``${execution.getVariable("x")}``,
``${myService.check(order)}``). We cannot run Java beans, and calling Python
methods by name would be unsafe, so a ``(`` after a name or property is a
syntax error raised at deploy time with a hint on what to do instead, except
for Camunda Spin's JSON vocabulary (``S(x).prop("a").stringValue()``, see
``spin.py``), whose function and method names are fixed here at parse time.
"""

from __future__ import annotations

from bpmn.expressions.juel import ast, spin
from bpmn.expressions.juel.lexer import END, IDENT, KEYWORD, NUMBER, OP, STRING, Token, tokenize
from bpmn.expressions.limits import MAX_NESTING, MAX_TREE_DEPTH
from steadyflow.errors import ExpressionSyntaxError

_BINARY = {
    "or": 1,
    "||": 1,
    "and": 2,
    "&&": 2,
    "==": 3,
    "!=": 3,
    "eq": 3,
    "ne": 3,
    "<": 4,
    ">": 4,
    "<=": 4,
    ">=": 4,
    "lt": 4,
    "gt": 4,
    "le": 4,
    "ge": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
    "div": 6,
    "%": 6,
    "mod": 6,
}
_CANONICAL = {
    "||": "or",
    "&&": "and",
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
    "div": "/",
    "mod": "%",
}
METHOD_CALL_HINT = (
    "method calls on beans are not supported; read the variable directly "
    '(for example ${x} instead of ${execution.getVariable("x")}) '
    "or move the logic into a job handler; of Camunda Spin, S(x) with prop, hasProp, elements, fieldNames, "
    "stringValue, numberValue, boolValue, value, is... and toString (and size/isEmpty/get/contains on lists) "
    "are supported"
)

Part = str | ast.Segment


class _ExpressionParser:
    def __init__(self, source: str, tokens: list[Token]) -> None:
        self.source = source
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != END:
            self.index += 1
        return token

    def error(self, message: str, token: Token | None = None) -> ExpressionSyntaxError:
        return ExpressionSyntaxError(message, self.source, (token or self.peek()).pos)

    def expected(self, what: str) -> ExpressionSyntaxError:
        return self.error(f"expected {what} but found {self.peek().describe()}")

    def expect_op(self, op: str) -> None:
        if not self.peek().is_op(op):
            raise self.expected(f"'{op}'")
        self.advance()

    def parse(self) -> ast.Node:
        if self.peek().kind == END:
            raise self.expected("an expression")
        node = self.expression()
        if self.peek().kind != END:
            raise self.expected("an operator or '}'")
        return node

    def expression(self) -> ast.Node:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.error(f"the expression is nested more than {MAX_NESTING} levels deep")
        try:
            condition = self.binary(1)
            if not self.peek().is_op("?"):
                return condition
            token = self.advance()
            then = self.expression()
            self.expect_op(":")
            return ast.Ternary(token.pos, condition, then, self.expression())
        finally:
            self.depth -= 1

    def binary(self, min_precedence: int) -> ast.Node:
        left = self.unary()
        while True:
            token = self.peek()
            precedence = _BINARY.get(token.text) if token.kind in (OP, KEYWORD) else None
            if precedence is None or precedence < min_precedence:
                return left
            self.advance()
            op = _CANONICAL.get(token.text, token.text)
            left = ast.Binary(token.pos, op, left, self.binary(precedence + 1))

    def unary(self) -> ast.Node:
        token = self.peek()
        if token.is_op("-", "!") or token.is_keyword("not", "empty"):
            self.advance()
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise self.error(f"the expression is nested more than {MAX_NESTING} levels deep")
            try:
                operand = self.unary()
            finally:
                self.depth -= 1
            op = {"!": "not"}.get(token.text, token.text)
            return ast.Unary(token.pos, op, operand)
        return self.access(self.primary())

    def access(self, node: ast.Node) -> ast.Node:
        while True:
            token = self.peek()
            if token.is_op("."):
                self.advance()
                name = self.peek()
                if name.kind not in (IDENT, KEYWORD):
                    raise self.expected("a property name after '.'")
                self.advance()
                if self.peek().is_op("("):
                    if name.kind != IDENT or name.text not in spin.METHODS:
                        raise self.error(METHOD_CALL_HINT, self.peek())
                    node = ast.MethodCall(token.pos, node, name.text, self.arguments())
                    continue
                node = ast.Property(token.pos, node, ast.Literal(name.pos, name.text))
            elif token.is_op("["):
                self.advance()
                key = self.expression()
                self.expect_op("]")
                node = ast.Property(token.pos, node, key)
            elif token.is_op("("):
                raise self.error(METHOD_CALL_HINT, token)
            else:
                return node

    def arguments(self) -> tuple[ast.Node, ...]:
        """``( [expression {, expression}] )`` after a Spin function or method name."""
        self.expect_op("(")
        args: list[ast.Node] = []
        if not self.peek().is_op(")"):
            args.append(self.expression())
            while self.peek().is_op(","):
                self.advance()
                args.append(self.expression())
        self.expect_op(")")
        return tuple(args)

    def primary(self) -> ast.Node:
        token = self.peek()
        if token.kind == NUMBER:
            self.advance()
            return ast.Literal(token.pos, token.value)
        if token.kind == STRING:
            self.advance()
            return ast.Literal(token.pos, token.text)
        if token.is_keyword("true", "false", "null"):
            self.advance()
            return ast.Literal(token.pos, {"true": True, "false": False, "null": None}[token.text])
        if token.kind == IDENT:
            self.advance()
            if self.peek().is_op(":") and self.peek(1).kind == IDENT and self.peek(2).is_op("("):
                raise self.error(
                    "functions such as prefix:name(...) are not supported; move the logic into a job handler",
                    token,
                )
            if self.peek().is_op("("):
                if token.text in spin.FUNCTIONS:
                    return ast.Call(token.pos, token.text, self.arguments())
                if token.text == "XML":
                    raise self.error("Spin's XML(...) is not supported; read XML in a job handler", token)
            return ast.Identifier(token.pos, token.text)
        if token.is_op("("):
            self.advance()
            inner = self.expression()
            self.expect_op(")")
            return inner
        if token.kind == KEYWORD:
            raise self.error(f"'{token.text}' is a reserved word and cannot be used here", token)
        raise self.expected("an expression")


def parse_template(source: str) -> tuple[Part, ...]:
    """Split ``source`` into literal text and parsed ``${...}`` segments."""
    parts: list[Part] = []
    literal: list[str] = []
    i = 0
    length = len(source)
    while i < length:
        ch = source[i]
        if ch == "\\" and source.startswith(("${", "#{"), i + 1):
            literal.append(source[i + 1 : i + 3])
            i += 3
            continue
        if ch in "$#" and source.startswith("{", i + 1):
            if literal:
                parts.append("".join(literal))
                literal = []
            tokens, end = tokenize(source, i + 2)
            body = _ExpressionParser(source, tokens).parse()
            check_tree_depth(body, source)
            parts.append(ast.Segment(source[i:end], body))
            i = end
            continue
        literal.append(ch)
        i += 1
    if literal:
        parts.append("".join(literal))
    return tuple(parts)


def check_tree_depth(root: ast.Node, source: str) -> None:
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_TREE_DEPTH:
            raise ExpressionSyntaxError(
                f"the expression is more than {MAX_TREE_DEPTH} operations deep; split it up",
                source,
                node.pos,
            )
        stack.extend((child, depth + 1) for child in node.children())

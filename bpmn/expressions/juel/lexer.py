"""Split the inside of one ``${...}`` / ``#{...}`` into tokens.

The lexer starts right after the opening ``${`` and stops at the first ``}``
that is not inside a string literal, which is how EL finds the end of an
expression (EL 2.2 has no braces of its own). Offsets are positions in the
whole template text, so error positions point into what the modeller wrote.

Constructs from newer EL versions that Camunda 7 does not evaluate either
(assignment, ``+=`` string concatenation, lambdas, ``;``, collection
literals) are reported with a specific message instead of a generic one.
"""

from __future__ import annotations

from dataclasses import dataclass

from steadyflow.errors import ExpressionSyntaxError

NUMBER = "number"
STRING = "string"
IDENT = "identifier"
KEYWORD = "keyword"
OP = "operator"
END = "end"  # the closing brace

KEYWORDS = frozenset(
    {
        "and",
        "or",
        "not",
        "eq",
        "ne",
        "lt",
        "gt",
        "le",
        "ge",
        "div",
        "mod",
        "empty",
        "true",
        "false",
        "null",
        "instanceof",
    }
)
_OPERATORS = (
    "==",
    "!=",
    "<=",
    ">=",
    "&&",
    "||",
    "<",
    ">",
    "!",
    "+",
    "-",
    "*",
    "/",
    "%",
    "?",
    ":",
    ".",
    "[",
    "]",
    "(",
    ")",
    ",",
)
_UNSUPPORTED = {
    "+=": "string concatenation with '+=' is not supported; write the parts side by side: '${a}${b}'",
    "->": "lambda expressions are not supported",
    "=": "assignment is not supported; use '==' to compare",
    ";": "several expressions separated by ';' are not supported",
    "{": "set and map literals are not supported",
}
_DIGITS = frozenset("0123456789")
_MAX_NUMBER_LENGTH = 400


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str  # decoded text for strings
    pos: int
    value: object = None  # numbers only

    def describe(self) -> str:
        if self.kind == END:
            return "'}'"
        if self.kind == STRING:
            return "a string"
        return f"'{self.text}'"

    def is_op(self, *ops: str) -> bool:
        return self.kind == OP and self.text in ops

    def is_keyword(self, *words: str) -> bool:
        return self.kind == KEYWORD and self.text in words


def tokenize(source: str, start: int) -> tuple[list[Token], int]:
    """Tokens from ``start`` to the closing ``}``, and the index after that brace."""
    tokens: list[Token] = []
    i = start
    length = len(source)
    while i < length:
        ch = source[i]
        if ch.isspace():
            i += 1
        elif ch == "}":
            tokens.append(Token(END, "}", i))
            return tokens, i + 1
        elif ch in "'\"":
            text, end = _string(source, i)
            tokens.append(Token(STRING, text, i))
            i = end
        elif ch in _DIGITS or (ch == "." and source[i + 1 : i + 2] in _DIGITS):
            i = _number(source, i, tokens)
        elif ch.isalpha() or ch in "_$":
            begin = i
            while i < length and (source[i].isalnum() or source[i] in "_$"):
                i += 1
            word = source[begin:i]
            tokens.append(Token(KEYWORD if word in KEYWORDS else IDENT, word, begin))
        else:
            i = _operator(source, i, tokens)
    raise ExpressionSyntaxError("expected '}' to close the expression", source, max(0, start - 2))


def _operator(source: str, i: int, tokens: list[Token]) -> int:
    for bad, message in _UNSUPPORTED.items():
        if source.startswith(bad, i) and not source.startswith("==", i):
            raise ExpressionSyntaxError(message, source, i)
    for op in _OPERATORS:
        if source.startswith(op, i):
            tokens.append(Token(OP, op, i))
            return i + len(op)
    raise ExpressionSyntaxError(f"unexpected character {source[i]!r}", source, i)


def _number(source: str, start: int, tokens: list[Token]) -> int:
    i = start
    length = len(source)
    while i < length and source[i] in _DIGITS:
        i += 1
    floating = False
    if i < length and source[i] == "." and not source.startswith("..", i):
        floating = True
        i += 1
        while i < length and source[i] in _DIGITS:
            i += 1
    if i < length and source[i] in "eE":
        j = i + 1
        if j < length and source[j] in "+-":
            j += 1
        if j < length and source[j] in _DIGITS:
            floating = True
            i = j
            while i < length and source[i] in _DIGITS:
                i += 1
    text = source[start:i]
    if len(text) > _MAX_NUMBER_LENGTH:
        raise ExpressionSyntaxError("the number literal is too long", source, start)
    value: object = float(text) if floating else int(text)
    if value in (float("inf"), float("-inf")):
        raise ExpressionSyntaxError(
            f"the number {text} is too large for a Double (the limit is 1.7e308)", source, start
        )
    tokens.append(Token(NUMBER, text, start, value))
    return i


def _string(source: str, start: int) -> tuple[str, int]:
    quote = source[start]
    parts: list[str] = []
    i = start + 1
    while i < len(source):
        ch = source[i]
        if ch == "\\" and i + 1 < len(source) and source[i + 1] in ("\\", "'", '"'):
            parts.append(source[i + 1])
            i += 2
        elif ch == quote:
            return "".join(parts), i + 1
        else:
            parts.append(ch)
            i += 1
    raise ExpressionSyntaxError(f"the string is not closed with {quote}", source, start)

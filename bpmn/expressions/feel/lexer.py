"""Split FEEL text into tokens.

The lexer is deliberately simple: words become ``NAME`` tokens and the parser
decides which are keywords, because FEEL has built-in functions whose names
contain spaces and even keywords (``date and time``, ``get or else``). Words
are never joined here; the parser joins them only in front of ``(``.

Every token keeps its 0-based start offset so syntax errors can point at
the exact character. Common mistakes from other languages (``==``, ``&&``,
``!``, single-quoted strings) get a message that names the FEEL spelling.
"""

from __future__ import annotations

from dataclasses import dataclass

from steadyflow.errors import ExpressionSyntaxError

NUMBER = "number"
STRING = "string"
NAME = "name"
QUOTED_NAME = "quoted name"
TEMPORAL = "temporal"
OP = "operator"
EOF = "end"

_OPERATORS = (
    "**",
    "..",
    "<=",
    ">=",
    "!=",
    "+",
    "-",
    "*",
    "/",
    "=",
    "<",
    ">",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    ".",
    "?",
)
_MISTAKES = {
    "==": "use '=' to compare in FEEL",
    "&&": "use 'and' in FEEL",
    "||": "use 'or' in FEEL",
    "!": "use not(x) to negate in FEEL",
    "'": "FEEL strings use double quotes",
    "%": "use modulo(a, b) in FEEL",
}
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "'": "'", "\\": "\\", "/": "/"}
_VALUE_END = (NUMBER, STRING, NAME, QUOTED_NAME, TEMPORAL)
_MAX_NUMBER_LENGTH = 1000
_DIGITS = frozenset("0123456789")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str  # operator or word as written; the decoded value for strings
    pos: int
    end: int

    def describe(self) -> str:
        if self.kind == EOF:
            return "the end of the expression"
        if self.kind == STRING:
            return "a string"
        if self.kind == NUMBER:
            return f"the number {self.text}"
        return f"'{self.text}'"

    def is_word(self, *words: str) -> bool:
        """True for an unquoted name that is one of ``words``."""
        return self.kind == NAME and self.text in words

    def is_op(self, *ops: str) -> bool:
        return self.kind == OP and self.text in ops


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    length = len(source)
    i = 0
    while i < length:
        ch = source[i]
        if ch.isspace():
            i += 1
            continue
        if source.startswith("//", i):
            newline = source.find("\n", i)
            i = length if newline < 0 else newline + 1
            continue
        if source.startswith("/*", i):
            close = source.find("*/", i + 2)
            if close < 0:
                raise ExpressionSyntaxError("the comment is not closed with '*/'", source, i)
            i = close + 2
            continue
        previous_is_value = bool(tokens) and (tokens[-1].kind in _VALUE_END or tokens[-1].is_op(")", "]", "}"))
        if ch in _DIGITS or (ch == "." and i + 1 < length and source[i + 1] in _DIGITS and not previous_is_value):
            i = _number(source, i, tokens)
        elif ch == '"':
            text, end = read_string(source, i)
            tokens.append(Token(STRING, text, i, end))
            i = end
        elif ch == "@":
            if not source.startswith('"', i + 1):
                raise ExpressionSyntaxError("expected a string after '@', like @\"2024-01-31\"", source, i + 1)
            text, end = read_string(source, i + 1)
            tokens.append(Token(TEMPORAL, text, i, end))
            i = end
        elif ch == "`":
            close = source.find("`", i + 1)
            if close <= i + 1:
                raise ExpressionSyntaxError("expected a name between backticks", source, i)
            tokens.append(Token(QUOTED_NAME, source[i + 1 : close], i, close + 1))
            i = close + 1
        elif _name_char(ch, start=True):
            start = i
            while i < length and _name_char(source[i], start=False):
                i += 1
            tokens.append(Token(NAME, source[start:i], start, i))
        else:
            i = _operator(source, i, tokens)
    tokens.append(Token(EOF, "", length, length))
    return tokens


def _name_char(ch: str, *, start: bool) -> bool:
    """FEEL name characters: letters, ``_``, digits after the first, and the
    supplementary planes (``{🐎: 1}``, grammar rule 28's [#x10000-#xEFFFF])."""
    return ch.isalpha() or ch == "_" or (not start and ch.isalnum()) or 0x10000 <= ord(ch) <= 0xEFFFF


def _number(source: str, start: int, tokens: list[Token]) -> int:
    i = start
    length = len(source)
    while i < length and source[i] in _DIGITS:
        i += 1
    if i + 1 < length and source[i] == "." and source[i + 1] in _DIGITS:
        i += 1
        while i < length and source[i] in _DIGITS:
            i += 1
    i = _exponent(source, i)
    if i - start > _MAX_NUMBER_LENGTH:
        raise ExpressionSyntaxError(f"the number is longer than {_MAX_NUMBER_LENGTH} digits", source, start)
    text = source[start:i]
    tokens.append(Token(NUMBER, "0" + text if text.startswith(".") else text, start, i))
    return i


def _exponent(source: str, i: int) -> int:
    """Past ``e4``, ``E+4`` or ``e-4`` after a number's digits (DMN 1.5 number literals)."""
    if i >= len(source) or source[i] not in "eE":
        return i
    j = i + 1
    if j < len(source) and source[j] in "+-":
        j += 1
    if j >= len(source) or source[j] not in _DIGITS:
        return i  # ``2e`` is the number 2 and the name e, as before
    while j < len(source) and source[j] in _DIGITS:
        j += 1
    if j < len(source) and (source[j].isalpha() or source[j] == "_"):
        return i
    return j


def _operator(source: str, i: int, tokens: list[Token]) -> int:
    for mistake, hint in _MISTAKES.items():
        if source.startswith(mistake, i) and not source.startswith("!=", i):
            raise ExpressionSyntaxError(f"unexpected '{mistake}': {hint}", source, i)
    for op in _OPERATORS:
        if source.startswith(op, i):
            tokens.append(Token(OP, op, i, i + len(op)))
            return i + len(op)
    raise ExpressionSyntaxError(f"unexpected character {source[i]!r}", source, i)


def read_string(source: str, start: int) -> tuple[str, int]:
    """Decode the string literal whose opening quote is at ``start``."""
    parts: list[str] = []
    i = start + 1
    length = len(source)
    while i < length:
        ch = source[i]
        if ch == '"':
            return "".join(parts), i + 1
        if ch == "\\" and i + 1 < length:
            code = source[i + 1]
            if code in _ESCAPES:
                parts.append(_ESCAPES[code])
                i += 2
                continue
            if code == "U" and _is_hex(source[i + 2 : i + 8], 6) and int(source[i + 2 : i + 8], 16) <= 0x10FFFF:
                parts.append(chr(int(source[i + 2 : i + 8], 16)))  # DMN 1.5 \U01F40E
                i += 8
                continue
            if code == "u" and _is_hex(source[i + 2 : i + 6]):
                unit = int(source[i + 2 : i + 6], 16)
                low = source[i + 8 : i + 12] if source.startswith("\\u", i + 6) else ""
                if 0xD800 <= unit < 0xDC00 and _is_hex(low) and 0xDC00 <= int(low, 16) < 0xE000:
                    unit = 0x10000 + ((unit - 0xD800) << 10) + (int(low, 16) - 0xDC00)
                    i += 6
                parts.append(chr(unit))
                i += 6
                continue
            parts.append(ch + code)  # unknown escapes stay, so regexes like "\d" work
            i += 2
            continue
        parts.append(ch)
        i += 1
    raise ExpressionSyntaxError("the string is not closed with '\"'", source, start)


def _is_hex(text: str, length: int = 4) -> bool:
    return len(text) == length and all(c in "0123456789abcdefABCDEF" for c in text)

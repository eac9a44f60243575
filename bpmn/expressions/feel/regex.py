"""Regular expressions for ``matches``, ``replace``, ``split`` and ``extract``.

Python's ``re`` backtracks and has no timeout, so ``(a+)+$`` or even
``a*a*a*b`` over a few thousand characters can occupy a worker for minutes.
Patterns come from models and inputs from process variables, so both are
untrusted. Before running a pattern we therefore:

* refuse shapes that backtrack exponentially: a repeated group that contains
  a quantifier or an alternation (``(a+)+``, ``(a|aa)*``), back-references
  and conditionals, and patterns over :data:`MAX_PATTERN_LENGTH` characters;
* bound the polynomial rest. Without those shapes a search explores at most
  ``branches * (n + 1) ** (k + 1)`` paths for an input of ``n`` characters,
  where ``k`` counts unbounded quantifiers (``*``, ``+``, ``{n,}``) and
  ``branches`` multiplies the choices of ``?``, ``{n,m}`` and ``|``. The
  input may only be as long as keeps that estimate under
  :data:`MAX_ESTIMATED_STEPS` (a few tenths of a second at most), and never longer
  than :data:`MAX_INPUT_LENGTH`; the estimates of all searches in one
  evaluation are charged to its budget, so a loop cannot repeat them.

So a simple ``split(text, ",")`` accepts 100,000 characters, ``"[0-9]+"``
10,000, ``".*x.*"`` about 460 and an e-mail check with three ``+`` about 100.
Refusals are evaluation errors that say why; invalid patterns make the call
return null as in feel-scala. XPath's ``\\p{IsBlock}`` and ``\\p{Lu}`` escapes,
which Python lacks, are expanded to classes of ranges by ``unicode_properties``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bpmn.expressions.feel.functions import ArgumentMismatch, CallContext
from bpmn.expressions.feel.unicode_properties import expand_properties

MAX_PATTERN_LENGTH = 500
MAX_INPUT_LENGTH = 100_000
MAX_ESTIMATED_STEPS = 100_000_000

# "x" is XPath's, not Python's verbose mode (where "#" starts a comment that
# would hide pattern text from the safety analysis): whitespace outside
# character classes is removed before the pattern is analysed.
_FLAGS = {"i": re.IGNORECASE, "s": re.DOTALL, "m": re.MULTILINE, "q": 0, "x": 0}
_XPATH_WHITESPACE = " \t\n\r"
_DIGITS = "0123456789"
_BOUNDS = re.compile(r"\{(\d{0,4})(,(\d{0,4}))?\}")


@dataclass(frozen=True)
class SafePattern:
    """A compiled pattern and the longest input it may run on."""

    pattern: re.Pattern[str]
    branches: int
    unbounded: int

    @property
    def max_input(self) -> int:
        return _max_input(self.branches, self.unbounded)

    def check(self, ctx: CallContext, text: str) -> str:
        """Refuse texts too long for this pattern and charge the search to the budget."""
        if len(text) > self.max_input:
            raise ctx.budget.fail(
                f"the regular expression {self.pattern.pattern!r} may only run on texts up to "
                f"{self.max_input} characters (this one has {len(text)}); use fewer repetitions "
                "such as '*' and '+', or functions like contains() and starts with()"
            )
        ctx.budget.regex(self.branches * (len(text) + 1) ** (self.unbounded + 1))
        return text


def compile_pattern(ctx: CallContext, pattern: str, flags: str = "") -> SafePattern:
    """Check ``pattern`` for safety and compile it (cached)."""
    flag_bits = 0
    for letter in flags:
        if letter not in _FLAGS:
            raise ArgumentMismatch
        flag_bits |= _FLAGS[letter]
    if "q" in flags:
        pattern = re.escape(pattern)
    else:
        if "x" in flags:
            pattern = _without_whitespace(pattern)
        translated = _from_xpath(pattern, dotall="s" in flags, multiline="m" in flags)
        if translated is None:
            raise ArgumentMismatch
        pattern = translated
    problem, branches, unbounded = analyze(pattern)
    if problem:
        raise ctx.budget.fail(f"the regular expression {pattern!r} is refused: {problem}")
    expanded = expand_properties(pattern)  # after the analysis, which reads \p{...} as one atom
    if expanded is None:
        raise ArgumentMismatch
    pattern = expanded
    try:
        compiled = _compile(pattern, flag_bits)
    except (re.error, OverflowError, RecursionError):
        raise ArgumentMismatch from None
    if compiled.flags & re.VERBOSE:
        raise ctx.budget.fail(f"the regular expression {pattern!r} is refused: verbose mode (?x) is not supported")
    return SafePattern(compiled, branches, unbounded)


def _without_whitespace(pattern: str) -> str:
    """XPath's ``x`` flag: whitespace is dropped except inside ``[...]``."""
    kept: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            # ``\ s`` is ``\s`` in XPath: whitespace goes before escapes are read.
            j = i + 1
            while not in_class and j < len(pattern) and pattern[j] in _XPATH_WHITESPACE:
                j += 1
            kept.append(pattern[i : j + 1] if in_class else "\\" + pattern[j : j + 1])
            i = j + 1
            continue
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        if in_class or ch not in _XPATH_WHITESPACE:
            kept.append(ch)
        i += 1
    return "".join(kept)


@lru_cache(maxsize=256)
def _from_xpath(pattern: str, dotall: bool, multiline: bool) -> str | None:
    """XPath's regular-expression dialect in Python's: ``.`` and class subtraction.

    XPath's ``.`` matches anything but ``\\n`` and ``\\r`` (Python's also
    matches ``\\r``) and its ``$`` only the end (Python's also the place
    before a final newline) unless ``m`` is given; ``[A-Z-[OI]]`` (a class minus another) becomes a
    negative look-ahead in front of the base class. None when a class is
    not closed (the pattern is invalid).
    """
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
        elif pattern.startswith("(?#", i):
            close = pattern.find(")", i)
            end = len(pattern) if close < 0 else close + 1
            out.append(pattern[i:end])
            i = end
        elif ch == "[":
            found = _char_class(pattern, i)
            if found is None:
                return None
            text, i = found
            out.append(text)
        elif ch == "." and not dotall:
            out.append("[^\\n\\r]")
            i += 1
        elif ch == "$" and not multiline:
            out.append("\\Z")  # Python's "$" also matches before a final newline
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _char_class(pattern: str, start: int) -> tuple[str, int] | None:
    """The class opening at ``start`` as Python text and the index after it.

    ``[``, ``&``, ``~``, ``|`` and a second ``-`` are escaped inside it: XPath reads them as
    characters there, Python reserves them for set operations of its own.
    """
    out = ["["]
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        out.append("^")
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        out.append("\\]")
        i += 1
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
        elif ch == "]":
            out.append("]")
            return "".join(out), i + 1
        elif ch == "-" and pattern.startswith("-[", i):
            subtracted = _char_class(pattern, i + 1)
            if subtracted is None or not pattern.startswith("]", subtracted[1]):
                return None
            return f"(?:(?!{subtracted[0]}){''.join(out)}])", subtracted[1] + 1
        else:
            escape = ch in "[&~|" or (ch == "-" and out[-1] == "-")
            out.append("\\" + ch if escape else ch)
            i += 1
    return None


@lru_cache(maxsize=256)
def _compile(pattern: str, flags: int) -> re.Pattern[str]:
    return re.compile(pattern, flags)


@lru_cache(maxsize=256)
def analyze(pattern: str) -> tuple[str | None, int, int]:
    """(why the pattern is refused or None, branch factor, unbounded quantifiers)."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"it is longer than {MAX_PATTERN_LENGTH} characters", 0, 0
    groups: list[list[int]] = []  # per open group: [contains quantifier/alternation, alternatives]
    branches = 1
    unbounded = 0
    last_group_complex = False  # the atom just before a quantifier was such a group
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        complex_atom = False
        if ch == "\\":
            if i + 1 < n and pattern[i + 1] in "123456789":
                return "back-references are not supported", 0, 0
            i += 2
        elif ch == "[":
            i = _skip_class(pattern, i)
        elif pattern.startswith("(?#", i):
            close = pattern.find(")", i)
            i = n if close < 0 else close + 1
        elif ch == "(":
            if pattern.startswith(("(?P=", "(?("), i):
                return "back-references and conditionals are not supported", 0, 0
            groups.append([0, 1])
            i = _skip_group_header(pattern, i)
        elif ch == ")":
            if groups:
                flag, alternatives = groups.pop()
                complex_atom = bool(flag)
                branches *= alternatives
                if complex_atom and groups:
                    groups[-1][0] = 1
            i += 1
        elif ch == "|":
            if groups:
                groups[-1][0] = 1
                groups[-1][1] += 1
            else:
                branches += 1
            i += 1
        elif ch in "*+?{":
            repeats, choices, is_unbounded, i = _quantifier(pattern, i)
            if repeats and last_group_complex:
                return "a repeated group contains another repetition or an alternation", 0, 0
            if groups:
                groups[-1][0] = 1
            unbounded += is_unbounded
            branches *= choices
        else:
            i += 1
        last_group_complex = complex_atom
        if branches > MAX_ESTIMATED_STEPS:
            return "it has too many optional parts and alternatives", 0, 0
    return None, branches, unbounded


def _max_input(branches: int, unbounded: int) -> int:
    """Largest n with branches * (n + 1) ** (unbounded + 1) <= MAX_ESTIMATED_STEPS."""
    root = (MAX_ESTIMATED_STEPS / branches) ** (1 / (unbounded + 1))
    return max(0, min(MAX_INPUT_LENGTH, int(root) - 1))


def _skip_class(pattern: str, i: int) -> int:
    i += 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1


def _skip_group_header(pattern: str, i: int) -> int:
    i += 1
    if i < len(pattern) and pattern[i] == "?":
        i += 1
        if pattern.startswith("P<", i):
            close = pattern.find(">", i)
            return len(pattern) if close < 0 else close + 1
        while i < len(pattern) and pattern[i] not in ":=!)>":
            i += 1
        if i < len(pattern) and pattern[i] != ")":
            i += 1
    return i


def _quantifier(pattern: str, i: int) -> tuple[bool, int, int, int]:
    """(may repeat, choices it adds, 1 if unbounded else 0, next index)."""
    ch = pattern[i]
    end = i + 1
    if ch == "{":
        bounds = _BOUNDS.match(pattern, i)
        if not bounds or bounds.group(0) in ("{}", "{,}"):
            return False, 1, 0, i + 1  # a literal brace
        end = bounds.end()
        low, comma, high = int(bounds.group(1) or 0), bounds.group(2), bounds.group(3)
        if comma is None:
            result = (low > 1, 1, 0)
        elif not high:
            result = (True, 1, 1)
        else:
            result = (int(high) > 1, max(1, int(high) - low + 1), 0)
    elif ch == "?":
        result = (False, 2, 0)
    else:
        result = (True, 1, 1)
    if end < len(pattern) and pattern[end] in "?+":
        end += 1
    return result[0], result[1], result[2], end


def expand_replacement(template: str) -> list[str | int]:
    """Split an XPath-style replacement (``$1``, ``\\$``) into text and group numbers."""
    parts: list[str | int] = []
    text = ""
    i = 0
    while i < len(template):
        ch = template[i]
        if ch == "\\" and i + 1 < len(template):
            text += template[i + 1]
            i += 2
        elif ch == "$" and i + 1 < len(template) and template[i + 1] in _DIGITS:
            j = i + 1
            while j < len(template) and template[j] in _DIGITS and j - i <= 2:
                j += 1
            if text:
                parts.append(text)
                text = ""
            parts.append(int(template[i + 1 : j]))
            i = j
        elif ch == "$":
            raise ArgumentMismatch
        else:
            text += ch
            i += 1
    if text:
        parts.append(text)
    return parts

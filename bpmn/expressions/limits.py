"""Resource limits shared by the FEEL and JUEL interpreters.

Expressions come from uploaded BPMN files and run inside the engine's worker
processes, so a single hostile or careless expression must not be able to
hang a worker, exhaust its memory or crash it with a ``RecursionError``. Every
limit here is checked explicitly and reported as one of our own errors:

* parse-time limits (source length, nesting depth, tree depth) raise
  :class:`~steadyflow.errors.ExpressionSyntaxError` when a model is deployed;
* run-time limits (loop iterations, collection work, string size) raise
  :class:`~steadyflow.errors.ExpressionEvaluationError`, which becomes an
  incident instead of a stuck instance.

The numbers are generous for real process models (conditions, mappings,
small list transformations) and small enough to keep one evaluation well
below a second.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from steadyflow.errors import ExpressionEvaluationError

#: Longest accepted expression text, in characters.
MAX_SOURCE_LENGTH = 10_000

#: Deepest nesting of brackets, parentheses and sub-expressions the parsers
#: accept. Each level costs several Python stack frames while parsing.
MAX_NESTING = 50

#: Deepest syntax tree accepted (long operator chains such as ``a+b+c+...``
#: build deep trees without any brackets). The tree-walking evaluators use
#: about two stack frames per level, so this keeps them far from Python's
#: default recursion limit of 1000.
MAX_TREE_DEPTH = 200

#: Loop iterations (``for``, ``some``, ``every``, list filters, ranges) one
#: evaluation may perform in total.
MAX_ITERATIONS = 100_000

#: Elements built-in functions may copy, sort or compare in one evaluation.
MAX_WORK = 1_000_000

#: Longest string an evaluation may produce, in characters.
MAX_STRING_LENGTH = 1_000_000

#: Characters of new strings one evaluation may build in total (so a loop
#: cannot build a thousand strings of a megabyte each).
MAX_TOTAL_TEXT = 10_000_000

#: Estimated backtracking steps of all regular-expression searches in one
#: evaluation (see bpmn.expressions.feel.regex); about a second of work.
MAX_REGEX_STEPS = 300_000_000

#: Syntax-tree nodes one evaluation may evaluate. Loops multiply the cost of
#: their body; this bounds the time of ``for`` over a large body.
MAX_STEPS = 2_000_000

#: Deepest chain of active user-defined FEEL function calls (recursion such as
#: ``{f: function(n) if n = 0 then 0 else f(n - 1)}``). Each call costs a few
#: Python frames per level of its body, so this keeps far from the recursion limit.
MAX_CALL_DEPTH = 40

#: Largest integer result kept exact, in bits (about 1000 decimal digits).
MAX_EXACT_INT_BITS = 3_400


@dataclass(frozen=True)
class ExpressionLimits:
    """The output limits an operator may change: how much text one evaluation may build."""

    max_string_length: int = MAX_STRING_LENGTH
    """Longest string one evaluation may produce, in characters."""
    max_total_text: int = MAX_TOTAL_TEXT
    """Characters of new strings one evaluation may build in total."""

    def __post_init__(self) -> None:
        for name in ("max_string_length", "max_total_text"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of characters, at least 1, not {value!r}")


DEFAULT_LIMITS = ExpressionLimits()
_CURRENT: ContextVar[ExpressionLimits] = ContextVar("expression_limits", default=DEFAULT_LIMITS)


@contextmanager
def expression_limits(limits: ExpressionLimits) -> Iterator[ExpressionLimits]:
    """Evaluate with ``limits`` inside this block (this thread or task only; nesting restores the outer ones).

    A context variable rather than a module setting: two engines in one process keep their own limits.
    """
    token = _CURRENT.set(limits)
    try:
        yield limits
    finally:
        _CURRENT.reset(token)


def current_limits() -> ExpressionLimits:
    return _CURRENT.get()


class Budget:
    """Counts the work of one evaluation and stops it when a limit is hit.

    A fresh budget is created for every ``evaluate`` call, so compiled
    expressions stay immutable and can be shared between threads.
    """

    __slots__ = ("_iterations", "_limits", "_regex", "_source", "_text", "_work")

    def __init__(self, source: str, limits: ExpressionLimits | None = None) -> None:
        self._source = source
        self._limits = limits or _CURRENT.get()
        self._iterations = 0
        self._work = 0
        self._text = 0
        self._regex = 0

    def iterate(self, count: int = 1) -> None:
        """Account for ``count`` loop iterations."""
        self._iterations += count
        if self._iterations > MAX_ITERATIONS:
            raise ExpressionEvaluationError(
                f"the expression performs more than {MAX_ITERATIONS} loop iterations; "
                "reduce the size of the lists it loops over or move the work into a job handler",
                self._source,
            )

    def work(self, count: int) -> None:
        """Account for ``count`` element operations done by a built-in function."""
        self._work += count
        if self._work > MAX_WORK:
            raise ExpressionEvaluationError(
                f"the expression processes more than {MAX_WORK} list elements; move the work into a job handler",
                self._source,
            )

    def regex(self, estimated_steps: int) -> None:
        """Account for one regular-expression search of the given estimated cost."""
        self._regex += estimated_steps
        if self._regex > MAX_REGEX_STEPS:
            raise ExpressionEvaluationError(
                "the expression runs too many regular-expression searches over long texts; "
                "move the work into a job handler",
                self._source,
            )

    def text(self, value: str) -> str:
        """Account for a newly built string; fail when it is too long."""
        self.produce(len(value))
        return value

    def produce(self, size: int) -> None:
        """Account for a string of ``size`` characters before building it."""
        self.check_length(size)
        self._text += size
        if self._text > self._limits.max_total_text:
            raise ExpressionEvaluationError(
                f"the expression builds more than {self._limits.max_total_text} characters of text in total",
                self._source,
            )

    def check_length(self, size: int) -> None:
        """Fail when a single string of ``size`` characters would be too long."""
        if size > self._limits.max_string_length:
            raise ExpressionEvaluationError(
                f"the expression builds a string longer than {self._limits.max_string_length} characters",
                self._source,
            )

    def room(self) -> int:
        """Characters the next string may have before one of the text limits refuses it."""
        return min(self._limits.max_string_length, self._limits.max_total_text - self._text)

    def fail(self, message: str) -> ExpressionEvaluationError:
        """Build an evaluation error about this budget's expression."""
        return ExpressionEvaluationError(message, self._source)


class TextWriter:
    """Builds one string piece by piece and refuses it once it passes the budget's room.

    The check comes before each piece is kept, so a result far past the limit
    (``string()`` of a list of large texts) is refused at the limit, never built whole.
    """

    __slots__ = ("_budget", "_pieces", "_room", "_size")

    def __init__(self, budget: Budget | None) -> None:
        self._budget = budget
        self._pieces: list[str] = []
        self._size = 0
        self._room = budget.room() if budget is not None else None

    def reserve(self, size: int) -> None:
        """Fail now if ``size`` more characters would pass the limit (call before building them)."""
        if self._room is not None and self._size + size > self._room and self._budget is not None:
            self._budget.produce(self._size + size)  # raises: the budget has no room for it

    def add(self, text: str) -> None:
        self.reserve(len(text))
        self._pieces.append(text)
        self._size += len(text)

    def text(self) -> str:
        """The string built, charged to the budget."""
        built = "".join(self._pieces)
        return self._budget.text(built) if self._budget is not None else built

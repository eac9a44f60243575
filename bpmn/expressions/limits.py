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

#: Largest integer result kept exact, in bits (about 1000 decimal digits).
MAX_EXACT_INT_BITS = 3_400


class Budget:
    """Counts the work of one evaluation and stops it when a limit is hit.

    A fresh budget is created for every ``evaluate`` call, so compiled
    expressions stay immutable and can be shared between threads.
    """

    __slots__ = ("_iterations", "_regex", "_source", "_text", "_work")

    def __init__(self, source: str) -> None:
        self._source = source
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
        if self._text > MAX_TOTAL_TEXT:
            raise ExpressionEvaluationError(
                f"the expression builds more than {MAX_TOTAL_TEXT} characters of text in total",
                self._source,
            )

    def check_length(self, size: int) -> None:
        """Fail when a single string of ``size`` characters would be too long."""
        if size > MAX_STRING_LENGTH:
            raise ExpressionEvaluationError(
                f"the expression builds a string longer than {MAX_STRING_LENGTH} characters",
                self._source,
            )

    def fail(self, message: str) -> ExpressionEvaluationError:
        """Build an evaluation error about this budget's expression."""
        return ExpressionEvaluationError(message, self._source)

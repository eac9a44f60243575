"""The compiled-expression contract and the error fences around it.

The engine compiles every expression of a model once at deploy time and
evaluates the compiled object many times, possibly from several threads.
Callers therefore rely on three promises made here:

* compiling raises :class:`ExpressionSyntaxError` and nothing else;
* evaluating raises :class:`ExpressionEvaluationError` and nothing else;
* a compiled expression never changes after it is built.

The two ``guard_*`` helpers turn any unexpected Python exception (including
``RecursionError`` and ``MemoryError``) into our errors, so an interpreter bug
becomes an incident with a readable message rather than a crashed worker.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from bpmn.expressions.limits import MAX_SOURCE_LENGTH
from steadyflow.errors import ExpressionError, ExpressionEvaluationError, ExpressionSyntaxError

T = TypeVar("T")


class CompiledExpression(ABC):
    """An expression that was parsed once and can be evaluated many times.

    ``language`` is ``"feel"``, ``"juel"`` or ``"literal"``; ``source`` is the
    text the expression was compiled from.
    """

    source: str
    language: str

    @abstractmethod
    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        """Evaluate over ``variables``; raises only ExpressionEvaluationError."""

    @abstractmethod
    def variable_names(self) -> frozenset[str]:
        """Top-level variable names the expression reads (best effort)."""


@dataclass(frozen=True)
class LiteralExpression(CompiledExpression):
    """Plain text that is not an expression at all (for example a fixed job type)."""

    source: str
    language: str = "literal"

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        return self.source

    def variable_names(self) -> frozenset[str]:
        return frozenset()


def check_source(source: object) -> str:
    """Refuse non-text and over-long sources before any parsing work is done."""
    if not isinstance(source, str):
        raise ExpressionSyntaxError(f"an expression must be text, not {type(source).__name__}", repr(source), None)
    if len(source) > MAX_SOURCE_LENGTH:
        raise ExpressionSyntaxError(
            f"the expression is longer than {MAX_SOURCE_LENGTH} characters; move the logic into a job handler",
            source[:200] + "...",
            MAX_SOURCE_LENGTH,
        )
    return source


def guard_compile(source: str, build: Callable[[], T]) -> T:
    """Run a parser and let only ExpressionSyntaxError escape."""
    try:
        return build()
    except ExpressionSyntaxError:
        raise
    except ExpressionError as exc:
        raise ExpressionSyntaxError(str(exc), source, None) from exc
    except RecursionError:
        raise ExpressionSyntaxError("the expression is nested too deeply", source, None) from None
    except Exception as exc:
        raise ExpressionSyntaxError(f"the expression cannot be compiled ({type(exc).__name__})", source, None) from exc


def refuse_non_finite(value: T, source: str) -> T:
    """``value`` when it holds no infinity or NaN anywhere inside; no variable can store one."""
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float | Decimal):
            if not (math.isfinite(item) if isinstance(item, float) else item.is_finite()):
                raise ExpressionEvaluationError(
                    f"the result contains {item}, not a finite number; keep numbers within ±1.7e308", source
                )
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return value


def guard_evaluate(source: str, run: Callable[[], T]) -> T:
    """Run an evaluator and let only ExpressionEvaluationError escape."""
    try:
        return refuse_non_finite(run(), source)
    except ExpressionEvaluationError:
        raise
    except ExpressionError as exc:
        raise ExpressionEvaluationError(str(exc), source) from exc
    except RecursionError:
        raise ExpressionEvaluationError(
            "the expression or its variables are nested too deeply to evaluate", source
        ) from None
    except Exception as exc:
        raise ExpressionEvaluationError(
            f"the expression failed unexpectedly ({type(exc).__name__}: {exc})", source
        ) from exc

"""FEEL numeric functions.

Rounding is done in ``Decimal`` so ``round half up(2.5, 0)`` is 3 and
``decimal(1/3, 2)`` is 0.33 without binary floating-point surprises; results
are normalised back to ``int``/``float`` like every other FEEL number. The
scale is limited to +-100 digits, more than any float can hold, so a model
cannot ask for a million-digit result.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)
from typing import Any

from bpmn.expressions.feel import numbers, wide_ops
from bpmn.expressions.feel.functions import (
    BUILTINS,
    ArgumentMismatch,
    CallContext,
    expect_int,
    expect_number,
)
from bpmn.expressions.feel.wide_temporal import WideDuration
from bpmn.expressions.values import YearsMonthsDuration

fn = BUILTINS.function
#: DMN 1.5 allows scales -6111..6176 (DECIMAL128's exponent range).
_MIN_SCALE, _MAX_SCALE = -6111, 6176


def _round(value: Any, scale: Any, mode: str) -> Any:
    number = numbers.to_decimal(expect_number(value))
    digits = expect_int(scale)
    if not _MIN_SCALE <= digits <= _MAX_SCALE:
        raise ArgumentMismatch
    if number.is_finite() and -number.as_tuple().exponent <= digits:  # type: ignore[operator]
        return numbers.normalize(number)  # already has no more decimals than asked: nothing to round
    exponent = Decimal(1).scaleb(-digits)
    return numbers.normalize(number.quantize(exponent, rounding=mode, context=numbers.DECIMALS))


def _rounding(name: str, mode: str, *, optional_scale: bool = False) -> None:
    def with_scale(ctx: CallContext, args: list[Any]) -> Any:
        return _round(args[0], args[1], mode)

    BUILTINS.function(name, "n", "scale")(with_scale)
    if optional_scale:

        def without_scale(ctx: CallContext, args: list[Any]) -> Any:
            return _round(args[0], 0, mode)

        BUILTINS.function(name, "n")(without_scale)


_rounding("decimal", ROUND_HALF_EVEN)
_rounding("floor", ROUND_FLOOR, optional_scale=True)
_rounding("ceiling", ROUND_CEILING, optional_scale=True)
_rounding("round up", ROUND_UP)
_rounding("round down", ROUND_DOWN)
_rounding("round half up", ROUND_HALF_UP)
_rounding("round half down", ROUND_HALF_DOWN)


@fn("abs", "n")
def _abs(ctx: CallContext, args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, timedelta):
        return abs(value)
    if isinstance(value, YearsMonthsDuration):
        return YearsMonthsDuration(abs(value.months))
    if isinstance(value, WideDuration):
        return wide_ops.absolute(value)
    number = expect_number(value)
    return numbers.negate(number) if number < 0 else numbers.add(number, 0)


@fn("modulo", "dividend", "divisor")
def _modulo(ctx: CallContext, args: list[Any]) -> Any:
    return numbers.modulo(expect_number(args[0]), expect_number(args[1]))


def _decimal_function(name: str, compute: Any) -> None:
    def call(ctx: CallContext, args: list[Any]) -> Any:
        value = numbers.to_decimal(expect_number(args[0]))
        try:
            return numbers.normalize(compute(value))
        except ArithmeticError:
            return None

    BUILTINS.function(name, "number")(call)


_decimal_function("sqrt", numbers.DECIMALS.sqrt)
_decimal_function("log", numbers.DECIMALS.ln)
_decimal_function("exp", numbers.DECIMALS.exp)


def _parity(value: Any) -> int:
    number = expect_number(value)
    if isinstance(number, int):
        return number % 2
    decimal = numbers.to_decimal(number)
    if decimal != decimal.to_integral_value():
        raise ArgumentMismatch
    return int(decimal) % 2


@fn("odd", "number")
def _odd(ctx: CallContext, args: list[Any]) -> Any:
    return _parity(args[0]) == 1


@fn("even", "number")
def _even(ctx: CallContext, args: list[Any]) -> Any:
    return _parity(args[0]) == 0

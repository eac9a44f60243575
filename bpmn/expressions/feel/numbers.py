"""FEEL number arithmetic on JSON-style ``int`` / ``float`` values.

feel-scala computes with ``BigDecimal`` (34 significant digits) and hands
whole results back as integers. We mirror that without leaking ``Decimal``
into process variables:

* ``int`` op ``int`` for ``+ - *`` (and exact ``/``, small ``**``) stays an exact
  Python ``int``, so ``10 / 2`` is ``5``;
* anything involving a float, or an inexact division, is computed in
  ``Decimal`` with 34 digits from the float's shortest text, so
  ``0.1 + 0.2`` is ``0.3`` as in FEEL and not ``0.30000000000000004``;
* results are normalised back: whole values become ``int``, others ``float``.

Impossible results (division by zero, overflow, ``sqrt(-1)``) are FEEL
``null``, as feel-scala returns null for failed arithmetic.
"""

from __future__ import annotations

import math
from decimal import (
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from typing import Any, TypeGuard

from bpmn.expressions.limits import MAX_EXACT_INT_BITS

Number = int | float | Decimal

#: Same precision as Java's MathContext.DECIMAL128, which feel-scala uses.
DECIMALS = Context(
    prec=34,
    rounding=ROUND_HALF_EVEN,
    Emin=-6143,
    Emax=6144,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)


def is_number(value: object) -> TypeGuard[Number]:
    """True for FEEL numbers; ``bool`` is an ``int`` subclass but not a number.

    A signalling-NaN ``Decimal`` raises on every comparison, so it is treated
    as an unknown value rather than a number.
    """
    if isinstance(value, Decimal):
        return not value.is_snan()
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def to_decimal(value: Number) -> Decimal:
    """Convert exactly (ints) or by shortest text (floats) to Decimal."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if not math.isfinite(value):
        raise ArithmeticError("not a finite number")
    return Decimal(repr(value))


def normalize(value: Decimal) -> int | float | None:
    """Turn a Decimal result into the JSON-style number FEEL hands out."""
    if not value.is_finite():
        return None
    if value == value.to_integral_value() and value.adjusted() < 34:
        return int(value)
    result = float(value)
    return result if math.isfinite(result) else None


def exact_int(value: int) -> int | float | None:
    """Keep an int exact unless it became absurdly large."""
    if value.bit_length() <= MAX_EXACT_INT_BITS:
        return value
    return normalize(DECIMALS.create_decimal(value))


def add(a: Number, b: Number) -> int | float | None:
    if isinstance(a, int) and isinstance(b, int):
        return exact_int(a + b)
    return _decimal_op(DECIMALS.add, a, b)


def subtract(a: Number, b: Number) -> int | float | None:
    if isinstance(a, int) and isinstance(b, int):
        return exact_int(a - b)
    return _decimal_op(DECIMALS.subtract, a, b)


def multiply(a: Number, b: Number) -> int | float | None:
    if isinstance(a, int) and isinstance(b, int):
        if a.bit_length() + b.bit_length() > MAX_EXACT_INT_BITS + 64:
            return _decimal_op(DECIMALS.multiply, a, b)
        return exact_int(a * b)
    return _decimal_op(DECIMALS.multiply, a, b)


def divide(a: Number, b: Number) -> int | float | None:
    if b == 0:
        return None
    if isinstance(a, int) and isinstance(b, int) and a % b == 0:
        return exact_int(a // b)
    return _decimal_op(DECIMALS.divide, a, b)


def power(a: Number, b: Number) -> int | float | None:
    if isinstance(a, int) and isinstance(b, int) and b >= 0:
        if b == 0 or a in (0, 1):
            return 1 if b == 0 else a
        if a == -1:
            return 1 if b % 2 == 0 else -1
        if a.bit_length() * b <= MAX_EXACT_INT_BITS:
            result: int = a**b
            return result
    return _decimal_op(DECIMALS.power, a, b)


def negate(a: Number) -> int | float | None:
    if isinstance(a, int):
        return -a
    return _decimal_op(lambda x, _y: DECIMALS.minus(x), a, 0)


def modulo(a: Number, b: Number) -> int | float | None:
    """FEEL modulo: the result has the sign of the divisor (floored division)."""
    if b == 0:
        return None
    if isinstance(a, int) and isinstance(b, int):
        return a % b
    da, db = to_decimal(a), to_decimal(b)
    quotient = DECIMALS.divide(da, db).to_integral_value(rounding=ROUND_FLOOR)
    return normalize(DECIMALS.subtract(da, DECIMALS.multiply(db, quotient)))


def _decimal_op(op: Any, a: Number, b: Number) -> int | float | None:
    try:
        result = op(to_decimal(a), to_decimal(b))
    except ArithmeticError:
        return None
    if not isinstance(result, Decimal):
        return None
    return normalize(result)


#: ``1e6000`` would be a 6000-digit integer; DECIMAL128 stops at 6144 anyway.
MAX_EXPONENT = 6000


def parse_literal(text: str) -> int | float:
    """Turn FEEL number literal text into an int or float."""
    if "." not in text and "e" not in text and "E" not in text:
        return int(text)
    exponent = text.lower().partition("e")[2]
    if exponent and abs(int(exponent)) > MAX_EXPONENT:
        raise ValueError(f"the exponent of {text} is outside -{MAX_EXPONENT}..{MAX_EXPONENT}")
    result = normalize(DECIMALS.create_decimal(text))
    if result is None:
        raise ValueError(f"the number {text} is too large")
    return result


def format_number(value: Number) -> str:
    """Print a number the way FEEL's ``string()`` does: plain, no exponent."""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    decimal = to_decimal(value).normalize(DECIMALS)
    text = format(decimal, "f")
    return "0" if text in ("-0", "0") else text

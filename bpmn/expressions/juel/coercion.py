"""EL 2.2 type coercion and operators, mapped onto Python values.

JUEL (the EL implementation in Camunda 7) converts operands before applying
an operator, following chapter 1.8-1.18 of the EL specification:

* arithmetic coerces both sides to numbers: ``null`` -> 0, ``""`` -> 0,
  ``"12"`` -> 12, ``"1.5"`` -> 1.5; booleans and other text are errors.
  A float or a text containing ``.``, ``e`` or ``E`` makes it Double
  arithmetic, otherwise Long (here: int) arithmetic; ``/`` is always Double;
* ``==`` picks the comparison type from the operands: numbers compare
  numerically (``1 == "1"`` is true), a boolean operand compares as boolean,
  a string operand compares as strings, otherwise plain equality;
* ``<`` and friends compare numbers numerically, strings lexically, and are
  false when an operand is null;
* ``and``/``or``/``not``/``?:`` coerce to boolean: null -> false, text ->
  ``"true"`` (any case) is true, everything else text is false.

Failed coercions raise :class:`CoercionError`, which the evaluator reports as
an ExpressionEvaluationError, as JUEL raises an ``ELException``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from bpmn.expressions.limits import Budget, TextWriter

_LONG_TEXT = re.compile(r"[+-]?\d{1,400}")
_DOUBLE_TEXT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,4})?")
_MAX_INT_BITS = 1024


class CoercionError(Exception):
    """A value cannot be converted the way an EL operator needs."""


def _type(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_floating(value: Any) -> bool:
    return isinstance(value, (float, Decimal))


def _floating_text(value: Any) -> bool:
    return isinstance(value, str) and any(ch in value for ch in ".eE")


def to_number(value: Any, *, floating: bool) -> int | float:
    if value is None or value == "":
        return 0.0 if floating else 0
    if isinstance(value, bool):
        raise CoercionError(f"cannot coerce boolean {str(value).lower()} to a number")
    if is_integer(value) or is_floating(value):
        return float(value) if floating else (int(value) if is_floating(value) else value)
    if isinstance(value, str):
        if not floating and _LONG_TEXT.fullmatch(value):
            return int(value)
        if _DOUBLE_TEXT.fullmatch(value):
            number = _finite(float(value))
            if floating:
                return number
        raise CoercionError(f"cannot coerce '{value[:50]}' to {'Double' if floating else 'Long'}")
    raise CoercionError(f"cannot coerce a {_type(value)} value to a number")


def to_boolean(value: Any) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.lower() == "true"
    raise CoercionError(f"cannot coerce a {_type(value)} value to a boolean")


def to_text(value: Any, budget: Budget | None = None) -> str:
    """EL's string coercion, with Java's spelling of numbers and booleans.

    With a ``budget``, a list or map's text is refused once it passes the budget's room,
    before the rest of it is built.
    """
    if isinstance(value, (list, tuple, Mapping)):
        writer = TextWriter(budget)
        _write_collection(value, writer)
        return writer.text()
    return _scalar_text(value)


def write_text(value: Any, out: TextWriter) -> None:
    """Append ``to_text(value)`` to ``out``, a collection piece by piece."""
    _write_item(value, out)


def _write_collection(value: Any, out: TextWriter) -> None:
    if isinstance(value, Mapping):
        out.add("{")
        for index, (key, item) in enumerate(value.items()):
            out.add(", " if index else "")
            _write_item(key, out)
            out.add("=")
            _write_item(item, out)
        out.add("}")
        return
    out.add("[")
    for index, item in enumerate(value):
        out.add(", " if index else "")
        _write_item(item, out)
    out.add("]")


def _write_item(value: Any, out: TextWriter) -> None:
    if isinstance(value, (list, tuple, Mapping)):
        _write_collection(value, out)
    elif isinstance(value, str):
        out.add(value)
    else:
        out.add(_scalar_text(value))


def _scalar_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_integer(value):
        return str(value)
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    raise CoercionError(f"cannot coerce a {_type(value)} value to a string")


def java_double(value: float) -> str:
    """``Double.toString``: ``5.0``, ``0.001``, ``1.0E7``, ``1.5E-4``, ``NaN``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1, value) < 0 else "0.0"
    if 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if "." in text or "e" in text else text + ".0"
    digits = Decimal(repr(value)).normalize()
    sign, figures, raw_exponent = digits.as_tuple()
    exponent = int(raw_exponent)
    mantissa = "".join(str(d) for d in figures)
    power = exponent + len(mantissa) - 1
    fraction = mantissa[1:] or "0"
    return f"{'-' if sign else ''}{mantissa[0]}.{fraction}E{power}"


def arithmetic(op: str, a: Any, b: Any) -> int | float:
    if a is None and b is None:
        return 0
    if op == "/":
        divisor = to_number(b, floating=True)
        if divisor == 0:
            raise CoercionError("division by zero")
        return _finite(to_number(a, floating=True) / divisor)
    floating = any(is_floating(v) or _floating_text(v) for v in (a, b))
    x, y = to_number(a, floating=floating), to_number(b, floating=floating)
    if op == "%":
        if y == 0:
            raise CoercionError("division by zero")
        if floating:
            return _finite(math.fmod(x, y))
        remainder = abs(int(x)) % abs(int(y))
        return -remainder if x < 0 else remainder
    if isinstance(x, int) and isinstance(y, int) and max(x.bit_length(), y.bit_length()) > _MAX_INT_BITS:
        raise CoercionError("the integer operand is too large")
    result = x + y if op == "+" else (x - y if op == "-" else x * y)
    if isinstance(result, int) and result.bit_length() > _MAX_INT_BITS:
        raise CoercionError("the integer result is too large")
    return _finite(result)


def _finite(value: int | float) -> int | float:
    # Java would carry Infinity/NaN on; no stored variable can hold one, so stop here, on this element.
    if isinstance(value, float) and not math.isfinite(value):
        raise CoercionError(
            f"the result is {value!r}, not a finite number (a Double overflowed); keep numbers within ±1.7e308"
        )
    return value


def negate(value: Any) -> int | float:
    if value is None:
        return 0
    return -to_number(value, floating=is_floating(value) or _floating_text(value))


def equal(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if a is None or b is None:
        return False
    if is_floating(a) or is_floating(b):
        return to_number(a, floating=True) == to_number(b, floating=True)
    if is_integer(a) or is_integer(b):
        return to_number(a, floating=False) == to_number(b, floating=False)
    if isinstance(a, bool) or isinstance(b, bool):
        return to_boolean(a) == to_boolean(b)
    if isinstance(a, str) or isinstance(b, str):
        return to_text(a) == to_text(b)
    return bool(a == b)


def relation(op: str, a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    if is_floating(a) or is_floating(b):
        x: Any = to_number(a, floating=True)
        y: Any = to_number(b, floating=True)
    elif is_integer(a) or is_integer(b):
        x, y = to_number(a, floating=False), to_number(b, floating=False)
    elif isinstance(a, str) or isinstance(b, str):
        x, y = to_text(a), to_text(b)
    elif type(a) is type(b) and isinstance(a, (bool, date, time, timedelta)):
        x, y = a, b
    else:
        raise CoercionError(f"cannot compare a {_type(a)} value with a {_type(b)} value")
    try:
        if op == "<":
            return bool(x < y)
        if op == ">":
            return bool(x > y)
        if op == "<=":
            return bool(x <= y)
        return bool(x >= y)
    except TypeError:
        raise CoercionError(f"cannot compare {_type(a)} with {_type(b)}") from None


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, (str, list, tuple, Mapping)):
        return len(value) == 0
    return False

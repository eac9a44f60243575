"""DMN 1.5 range functions (10.3.4.9), ``range()`` (10.3.4.10) and ``is()``.

Each interval function (``before``, ``overlaps``, ``during`` ...) takes points
and ranges in the combinations of the specification's table 78; one
implementation per function decides by the argument types, and it is
registered once per parameter-name list so named calls
(``before(point: 1, range: [2..3])``) bind as well. A comparison between
values FEEL cannot order (``before(1, "a")``) makes the call ``null``.

A range's missing endpoint (``start`` or ``end`` of ``null``, as in the
range ``< 10``) is unbounded: it is below or above every point.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bpmn.expressions.feel.functions import BUILTINS, ArgumentMismatch, CallContext, expect_text
from bpmn.expressions.feel.values import FeelRange, compare, equals, type_name
from bpmn.expressions.feel.wide_ops import as_point
from bpmn.expressions.feel.wide_temporal import offset_at

fn = BUILTINS.function

_LOW = "low"
_HIGH = "high"


def _cmp(a: Any, b: Any) -> int:
    """Order two points; an unbounded end (``_LOW``/``_HIGH``) is below/above everything."""
    if a is _LOW or b is _HIGH:
        return 0 if a is b else -1
    if a is _HIGH or b is _LOW:
        return 0 if a is b else 1
    order = compare(a, b)
    if order is None:
        raise ArgumentMismatch
    return order


def _start(value: FeelRange) -> Any:
    return _LOW if value.start is None else value.start


def _end(value: FeelRange) -> Any:
    return _HIGH if value.end is None else value.end


def _lt(a: Any, b: Any) -> bool:
    return _cmp(a, b) < 0


def _eq(a: Any, b: Any) -> bool:
    return _cmp(a, b) == 0


def _is_range(value: Any) -> bool:
    return isinstance(value, FeelRange)


def _point(value: Any) -> Any:
    if value is None or _is_range(value) or type_name(value) in ("list", "context", "unknown"):
        raise ArgumentMismatch
    return value


Check = Callable[[Any, Any], bool]


def _interval(
    name: str,
    names: tuple[tuple[str, str], ...],
    *,
    points: Check | None = None,
    point_range: Check | None = None,
    range_point: Check | None = None,
    ranges: Check | None = None,
) -> None:
    def impl(ctx: CallContext, args: list[Any]) -> Any:
        a, b = args
        if _is_range(a) and _is_range(b):
            check = ranges
        elif _is_range(a):
            check, b = range_point, _point(b)
        elif _is_range(b):
            check, a = point_range, _point(a)
        else:
            check, a, b = points, _point(a), _point(b)
        if check is None:
            raise ArgumentMismatch
        return check(a, b)

    for params in names:
        fn(name, *params)(impl)


def _before_range(r1: FeelRange, r2: FeelRange) -> bool:
    if _lt(_end(r1), _start(r2)):
        return True
    return (not r1.end_included or not r2.start_included) and _eq(_end(r1), _start(r2))


def _includes_point(r: FeelRange, p: Any) -> bool:
    return (
        (_lt(_start(r), p) and _lt(p, _end(r)))
        or (_eq(_start(r), p) and r.start_included)
        or (_eq(_end(r), p) and r.end_included)
    )


def _includes_range(r1: FeelRange, r2: FeelRange) -> bool:
    start_ok = _lt(_start(r1), _start(r2)) or (
        _eq(_start(r1), _start(r2)) and (r1.start_included or not r2.start_included)
    )
    end_ok = _lt(_end(r2), _end(r1)) or (_eq(_end(r1), _end(r2)) and (r1.end_included or not r2.end_included))
    return start_ok and end_ok


def _overlaps(r1: FeelRange, r2: FeelRange) -> bool:
    first = _lt(_start(r2), _end(r1)) or (_eq(_end(r1), _start(r2)) and r1.end_included and r2.start_included)
    second = _lt(_start(r1), _end(r2)) or (_eq(_start(r1), _end(r2)) and r1.start_included and r2.end_included)
    return first and second


def _overlaps_before(r1: FeelRange, r2: FeelRange) -> bool:
    starts_first = _lt(_start(r1), _start(r2)) or (
        _eq(_start(r1), _start(r2)) and r1.start_included and not r2.start_included
    )
    reaches = _lt(_start(r2), _end(r1)) or (_eq(_end(r1), _start(r2)) and r1.end_included and r2.start_included)
    ends_first = _lt(_end(r1), _end(r2)) or (_eq(_end(r1), _end(r2)) and (not r1.end_included or r2.end_included))
    return starts_first and reaches and ends_first


def _finishes_range(r1: FeelRange, r2: FeelRange) -> bool:
    return (
        r1.end_included == r2.end_included
        and _eq(_end(r1), _end(r2))
        and (
            _lt(_start(r2), _start(r1))
            or (_eq(_start(r1), _start(r2)) and (not r1.start_included or r2.start_included))
        )
    )


def _starts_range(r1: FeelRange, r2: FeelRange) -> bool:
    return (
        _eq(_start(r1), _start(r2))
        and r1.start_included == r2.start_included
        and (_lt(_end(r1), _end(r2)) or (_eq(_end(r1), _end(r2)) and (not r1.end_included or r2.end_included)))
    )


def _coincides_range(r1: FeelRange, r2: FeelRange) -> bool:
    return (
        _eq(_start(r1), _start(r2))
        and r1.start_included == r2.start_included
        and _eq(_end(r1), _end(r2))
        and r1.end_included == r2.end_included
    )


_PP = ("point1", "point2")
_PR = ("point", "range")
_RP = ("range", "point")
_RR = ("range1", "range2")

_interval(
    "before",
    (_PP, _PR, _RP, _RR),
    points=_lt,
    point_range=lambda p, r: _lt(p, _start(r)) or (_eq(p, _start(r)) and not r.start_included),
    range_point=lambda r, p: _lt(_end(r), p) or (_eq(_end(r), p) and not r.end_included),
    ranges=_before_range,
)
_interval(
    "after",
    (_PP, _PR, _RP, _RR),
    points=lambda a, b: _lt(b, a),
    point_range=lambda p, r: _lt(_end(r), p) or (_eq(p, _end(r)) and not r.end_included),
    range_point=lambda r, p: _lt(p, _start(r)) or (_eq(_start(r), p) and not r.start_included),
    ranges=lambda r1, r2: _before_range(r2, r1),
)
_interval(
    "meets",
    (_RR,),
    ranges=lambda r1, r2: r1.end_included and r2.start_included and _eq(_end(r1), _start(r2)),
)
_interval(
    "met by",
    (_RR,),
    ranges=lambda r1, r2: r1.start_included and r2.end_included and _eq(_start(r1), _end(r2)),
)
_interval("overlaps", (_RR,), ranges=_overlaps)
_interval("overlaps before", (_RR,), ranges=_overlaps_before)
_interval("overlaps after", (_RR,), ranges=lambda r1, r2: _overlaps_before(r2, r1))
_interval(
    "finishes",
    (_PR, _RR),
    point_range=lambda p, r: r.end_included and _eq(_end(r), p),
    ranges=_finishes_range,
)
_interval(
    "finished by",
    (_RP, _RR),
    range_point=lambda r, p: r.end_included and _eq(_end(r), p),
    ranges=lambda r1, r2: _finishes_range(r2, r1),
)
_interval("includes", (_RP, _RR), range_point=_includes_point, ranges=_includes_range)
_interval(
    "during",
    (_PR, _RR),
    point_range=lambda p, r: _includes_point(r, p),
    ranges=lambda r1, r2: _includes_range(r2, r1),
)
_interval(
    "starts",
    (_PR, _RR),
    point_range=lambda p, r: r.start_included and _eq(_start(r), p),
    ranges=_starts_range,
)
_interval(
    "started by",
    (_RP, _RR),
    range_point=lambda r, p: r.start_included and _eq(_start(r), p),
    ranges=lambda r1, r2: _starts_range(r2, r1),
)
_interval("coincides", (_PP, _RR), points=_eq, ranges=_coincides_range)


@fn("is", "value1", "value2")
def _is(ctx: CallContext, args: list[Any]) -> Any:
    """Same value in the same semantic domain: ``is(@"10:00:00Z", @"10:00:00")`` is false."""
    a, b = args
    if type_name(a) != type_name(b):
        return False
    if type_name(a) in ("date and time", "time") and _zone_key(a) != _zone_key(b):
        return False
    return equals(a, b) is True


def _zone_key(value: Any) -> str:
    point = as_point(value)
    zone = None if point is None else point.zone
    if point is None or zone is None:
        return ""
    key = getattr(zone, "key", None)
    if key:
        return str(key)
    offset = offset_at(zone, point.days, point.nanos)
    return str(offset)


@fn("range", "from")
def _range(ctx: CallContext, args: list[Any]) -> Any:
    # Imported here: the range parser needs the whole FEEL parser, which
    # imports this registry to learn the built-in names.
    from bpmn.expressions.feel.range_text import parse_range_text

    return parse_range_text(expect_text(args[0]))

"""FEEL list functions.

Membership, ``index of``, ``distinct values`` and ``union`` use FEEL equality
(``1 = 1.0``, no matches across types), not Python's ``==``, so that
``distinct values([1, true])`` keeps both values. Every function charges the
number of elements it touches to the evaluation budget; a model cannot make
one evaluation copy or compare millions of elements.
"""

from __future__ import annotations

import functools
from typing import Any

from bpmn.expressions.feel import numbers
from bpmn.expressions.feel.functions import (
    BUILTINS,
    ArgumentMismatch,
    CallContext,
    expect_int,
    expect_list,
    list_or_items,
)
from bpmn.expressions.feel.values import compare, contains_value, equals, is_list

fn = BUILTINS.function


def _index(length: int, position: int) -> int:
    return position - 1 if position > 0 else length + position


@fn("list contains", "list", "element")
def _list_contains(ctx: CallContext, args: list[Any]) -> Any:
    items = expect_list(args[0])
    ctx.budget.work(len(items))
    return contains_value(items, args[1])


@fn("count", "list")
def _count(ctx: CallContext, args: list[Any]) -> Any:
    return len(expect_list(args[0]))


@fn("is empty", "list")
def _is_empty(ctx: CallContext, args: list[Any]) -> Any:
    return not expect_list(args[0])


def _ordered(ctx: CallContext, items: list[Any]) -> list[Any]:
    ctx.budget.work(len(items) * max(1, len(items).bit_length()))

    def order(a: Any, b: Any) -> int:
        result = compare(a, b)
        if result is None:
            raise ArgumentMismatch
        return result

    return sorted(items, key=functools.cmp_to_key(order))


@fn("min", "list", variadic=True)
def _min(ctx: CallContext, args: list[Any]) -> Any:
    items = list_or_items(args[0])
    return _ordered(ctx, items)[0] if items else None


@fn("max", "list", variadic=True)
def _max(ctx: CallContext, args: list[Any]) -> Any:
    items = list_or_items(args[0])
    return _ordered(ctx, items)[-1] if items else None


def _numbers(ctx: CallContext, collected: list[Any]) -> list[numbers.Number]:
    items = list_or_items(collected)
    ctx.budget.work(len(items))
    if not all(numbers.is_number(item) for item in items):
        raise ArgumentMismatch
    return items


def _total(values: list[numbers.Number]) -> Any:
    total: Any = 0
    for value in values:
        total = numbers.add(total, value)
        if total is None:
            return None
    return total


@fn("sum", "list", variadic=True)
def _sum(ctx: CallContext, args: list[Any]) -> Any:
    values = _numbers(ctx, args[0])
    return _total(values) if values else None


@fn("product", "list", variadic=True)
def _product(ctx: CallContext, args: list[Any]) -> Any:
    values = _numbers(ctx, args[0])
    if not values:
        return None
    result: Any = 1
    for value in values:
        result = numbers.multiply(result, value)
        if result is None:
            return None
    return result


@fn("mean", "list", variadic=True)
def _mean(ctx: CallContext, args: list[Any]) -> Any:
    values = _numbers(ctx, args[0])
    total = _total(values) if values else None
    return None if total is None else numbers.divide(total, len(values))


@fn("median", "list", variadic=True)
def _median(ctx: CallContext, args: list[Any]) -> Any:
    values = sorted(_numbers(ctx, args[0]))
    if not values:
        return None
    middle = len(values) // 2
    if len(values) % 2:
        return numbers.add(values[middle], 0)
    pair = numbers.add(values[middle - 1], values[middle])
    return None if pair is None else numbers.divide(pair, 2)


@fn("stddev", "list", variadic=True)
def _stddev(ctx: CallContext, args: list[Any]) -> Any:
    values = [numbers.to_decimal(v) for v in _numbers(ctx, args[0])]
    if len(values) < 2:
        return None
    dec = numbers.DECIMALS
    mean = dec.divide(functools.reduce(dec.add, values), len(values))
    squares = functools.reduce(dec.add, (dec.power(dec.subtract(v, mean), 2) for v in values))
    return numbers.normalize(dec.sqrt(dec.divide(squares, len(values) - 1)))


@fn("mode", "list", variadic=True)
def _mode(ctx: CallContext, args: list[Any]) -> Any:
    values = _numbers(ctx, args[0])
    counts: dict[Any, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    if not counts:
        return []
    top = max(counts.values())
    return sorted(value for value, count in counts.items() if count == top)


@fn("all", "list", variadic=True)
def _all(ctx: CallContext, args: list[Any]) -> Any:
    items = list_or_items(args[0])
    ctx.budget.work(len(items))
    if any(item is False for item in items):
        return False
    return True if all(item is True for item in items) else None


@fn("any", "list", variadic=True)
def _any(ctx: CallContext, args: list[Any]) -> Any:
    items = list_or_items(args[0])
    ctx.budget.work(len(items))
    if any(item is True for item in items):
        return True
    return False if all(item is False for item in items) else None


@fn("sublist", "list", "start position")
def _sublist(ctx: CallContext, args: list[Any]) -> Any:
    items = expect_list(args[0])
    ctx.budget.work(len(items))
    return items[max(0, _index(len(items), expect_int(args[1]))) :]


@fn("sublist", "list", "start position", "length")
def _sublist_length(ctx: CallContext, args: list[Any]) -> Any:
    items = expect_list(args[0])
    ctx.budget.work(len(items))
    start = max(0, _index(len(items), expect_int(args[1])))
    return items[start : start + max(0, expect_int(args[2]))]


@fn("append", "list", "items", variadic=True)
def _append(ctx: CallContext, args: list[Any]) -> Any:
    items = expect_list(args[0])
    ctx.budget.work(len(items) + len(args[1]))
    return items + list(args[1])


@fn("concatenate", "lists", variadic=True)
def _concatenate(ctx: CallContext, args: list[Any]) -> Any:
    result: list[Any] = []
    for part in args[0]:
        if is_list(part):
            ctx.budget.work(len(part))
            result.extend(part)
        else:
            ctx.budget.work(1)
            result.append(part)
    return result


@fn("insert before", "list", "position", "newItem")
def _insert_before(ctx: CallContext, args: list[Any]) -> Any:
    items = expect_list(args[0])
    ctx.budget.work(len(items))
    index = _index(len(items), expect_int(args[1]))
    if not 0 <= index <= len(items):
        return None
    return [*items[:index], args[2], *items[index:]]


@fn("list replace", "list", "position", "newItem")
@fn("list replace", "list", "match", "newItem")
def _list_replace(ctx: CallContext, args: list[Any]) -> Any:
    """DMN 1.5: the item at a 1-based ``position`` (negative counts from the end) replaced,
    or every item for which ``match(item, newItem)`` is true."""
    items = expect_list(args[0])
    ctx.budget.work(len(items))
    if numbers.is_number(args[1]):
        position = expect_int(args[1])
        index = _index(len(items), position)
        if position == 0 or not 0 <= index < len(items):
            return None
        return [*items[:index], args[2], *items[index + 1 :]]
    replaced = []
    for item in items:
        verdict = ctx.invoke(args[1], [item, args[2]])
        if not isinstance(verdict, bool):
            raise ArgumentMismatch
        replaced.append(args[2] if verdict else item)
    return replaced


@fn("remove", "list", "position")
def _remove(ctx: CallContext, args: list[Any]) -> Any:
    items = expect_list(args[0])
    ctx.budget.work(len(items))
    index = _index(len(items), expect_int(args[1]))
    if not 0 <= index < len(items):
        return None
    return items[:index] + items[index + 1 :]


@fn("reverse", "list")
def _reverse(ctx: CallContext, args: list[Any]) -> Any:
    items = expect_list(args[0])
    ctx.budget.work(len(items))
    return items[::-1]


@fn("index of", "list", "match")
def _index_of(ctx: CallContext, args: list[Any]) -> Any:
    items = expect_list(args[0])
    ctx.budget.work(len(items))
    return [i + 1 for i, item in enumerate(items) if equals(item, args[1]) is True]


class _Seen:
    """Remembers values by FEEL equality: hashing for scalars, scanning otherwise."""

    def __init__(self, ctx: CallContext) -> None:
        self._ctx = ctx
        self._scalars: set[tuple[str, Any]] = set()
        self._others: list[Any] = []

    def add(self, item: Any) -> bool:
        """Record ``item``; True if it was not seen before."""
        self._ctx.budget.work(1)
        if item is None or isinstance(item, (str, bool)) or numbers.is_number(item):
            kind = type(item).__name__ if isinstance(item, (str, bool)) else "number"
            key = (kind, item)
            if key in self._scalars:
                return False
            self._scalars.add(key)
            return True
        self._ctx.budget.work(len(self._others))
        if contains_value(self._others, item):
            return False
        self._others.append(item)
        return True


def _distinct(ctx: CallContext, items: list[Any]) -> list[Any]:
    seen = _Seen(ctx)
    return [item for item in items if seen.add(item)]


@fn("distinct values", "list")
def _distinct_values(ctx: CallContext, args: list[Any]) -> Any:
    return _distinct(ctx, expect_list(args[0]))


@fn("duplicate values", "list")
def _duplicate_values(ctx: CallContext, args: list[Any]) -> Any:
    seen = _Seen(ctx)
    repeated = [item for item in expect_list(args[0]) if not seen.add(item)]
    return _distinct(ctx, repeated)


@fn("union", "lists", variadic=True)
def _union(ctx: CallContext, args: list[Any]) -> Any:
    return _distinct(ctx, _concatenate(ctx, args))


@fn("flatten", "list")
def _flatten(ctx: CallContext, args: list[Any]) -> Any:
    result: list[Any] = []
    stack: list[Any] = [iter(expect_list(args[0]))]
    while stack:
        for item in stack[-1]:
            ctx.budget.work(1)
            if is_list(item):
                stack.append(iter(item))
                break
            result.append(item)
        else:
            stack.pop()
    return result


@fn("sort", "list")
def _sort(ctx: CallContext, args: list[Any]) -> Any:
    return _ordered(ctx, expect_list(args[0]))


@fn("sort", "list", "precedes")
def _sort_by(ctx: CallContext, args: list[Any]) -> Any:
    """Sorted by a ``precedes(a, b)`` function value (stable; each comparison is a call)."""
    items = expect_list(args[0])
    ctx.budget.work(len(items) * max(1, len(items).bit_length()))

    def order(a: Any, b: Any) -> int:
        first = ctx.invoke(args[1], [a, b])
        if first is True:
            return -1
        second = ctx.invoke(args[1], [b, a])
        if not isinstance(first, bool) or not isinstance(second, bool):
            raise ArgumentMismatch
        return 1 if second else 0

    return sorted(items, key=functools.cmp_to_key(order))

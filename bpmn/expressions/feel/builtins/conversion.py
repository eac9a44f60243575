"""FEEL conversion, boolean and context functions.

``string()`` prints values in FEEL's own notation (``[1, 2]``, ``P1D``), not
Python's ``repr``. ``number()`` parses only plain decimal text, never Python
literals such as ``"1_000"`` or ``"inf"``. The context functions build new
dictionaries and never modify a variable's value in place, so evaluating an
expression can never change process data behind the engine's back.
"""

from __future__ import annotations

import re
from typing import Any

from bpmn.expressions.feel import numbers
from bpmn.expressions.feel.functions import (
    BUILTINS,
    ArgumentMismatch,
    CallContext,
    expect_bool,
    expect_context,
    expect_list,
    expect_text,
)
from bpmn.expressions.feel.values import is_context, is_list, to_string

fn = BUILTINS.function
_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,4})?")
_GROUPING = (" ", ",", ".")
_DECIMAL = (",", ".")


@fn("string", "from")
def _string(ctx: CallContext, args: list[Any]) -> Any:
    if args[0] is None:
        return None
    return to_string(args[0], budget=ctx.budget)


def parse_number(text: str) -> Any:
    cleaned = text.strip()
    if len(cleaned) > 1000 or not _NUMBER_TEXT.fullmatch(cleaned):
        return None
    return numbers.normalize(numbers.DECIMALS.create_decimal(cleaned))


@fn("number", "from")
def _number(ctx: CallContext, args: list[Any]) -> Any:
    return parse_number(expect_text(args[0]))


@fn("number", "from", "grouping separator")
def _number_grouping(ctx: CallContext, args: list[Any]) -> Any:
    return _number_separators(ctx, [args[0], args[1], None])


@fn("number", "from", "grouping separator", "decimal separator")
def _number_separators(ctx: CallContext, args: list[Any]) -> Any:
    text = expect_text(args[0])
    grouping, decimal = args[1], args[2]
    if grouping is not None and expect_text(grouping) not in _GROUPING:
        raise ArgumentMismatch
    if decimal is not None and expect_text(decimal) not in _DECIMAL:
        raise ArgumentMismatch
    if grouping is not None and grouping == decimal:
        raise ArgumentMismatch
    if grouping is not None:
        text = text.replace(grouping, "")
    if decimal is not None:
        text = text.replace(decimal, ".")
    return parse_number(text)


@fn("not", "negand")
def _not(ctx: CallContext, args: list[Any]) -> Any:
    return not expect_bool(args[0])


@fn("is defined", "value")
def _is_defined(ctx: CallContext, args: list[Any]) -> Any:
    # The evaluator answers for plain names and paths (it can tell missing
    # from null); for any other argument the value exists once computed.
    return True


@fn("get or else", "value", "default")
def _get_or_else(ctx: CallContext, args: list[Any]) -> Any:
    return args[1] if args[0] is None else args[0]


@fn("get value", "m", "key")
@fn("get value", "context", "key")
def _get_value(ctx: CallContext, args: list[Any]) -> Any:
    context = expect_context(args[0])
    if is_list(args[1]):
        value: Any = context
        for key in args[1]:
            if not is_context(value):
                return None
            value = value.get(expect_text(key))
        return value
    return context.get(expect_text(args[1]))


@fn("get entries", "m")
@fn("get entries", "context")
def _get_entries(ctx: CallContext, args: list[Any]) -> Any:
    context = expect_context(args[0])
    ctx.budget.work(len(context))
    return [{"key": key, "value": value} for key, value in context.items()]


def _put(ctx: CallContext, context: Any, keys: list[str], value: Any) -> dict[Any, Any]:
    base = dict(expect_context(context))
    ctx.budget.work(len(base))
    head = keys[0]
    if len(keys) == 1:
        base[head] = value
    else:
        inner = base.get(head)
        base[head] = _put(ctx, inner if is_context(inner) else {}, keys[1:], value)
    return base


@fn("context put", "context", "keys", "value")
@fn("context put", "context", "key", "value")
def _context_put(ctx: CallContext, args: list[Any]) -> Any:
    if is_list(args[1]):
        keys = [expect_text(key) for key in args[1]]
        if not keys or len(keys) > 50:
            raise ArgumentMismatch
    else:
        keys = [expect_text(args[1])]
    return _put(ctx, args[0], keys, args[2])


@fn("context merge", "contexts")
def _context_merge(ctx: CallContext, args: list[Any]) -> Any:
    merged: dict[Any, Any] = {}
    for context in expect_list(args[0]):
        entries = expect_context(context)
        ctx.budget.work(len(entries))
        merged.update(entries)
    return merged


@fn("context", "entries")
def _context(ctx: CallContext, args: list[Any]) -> Any:
    result: dict[str, Any] = {}
    for entry in expect_list(args[0]):
        pair = expect_context(entry)
        if "key" not in pair:
            raise ArgumentMismatch
        ctx.budget.work(1)
        result[expect_text(pair["key"])] = pair.get("value")
    return result

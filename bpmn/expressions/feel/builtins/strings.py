"""FEEL string functions.

Positions are 1-based and negative positions count from the end, as in FEEL.
Python strings index by code point, which is what FEEL specifies (feel-scala
counts code points too), so no surrogate handling is needed. Every produced
string goes through the evaluation budget so ``string join`` or ``replace``
cannot build a gigabyte-sized value.
"""

from __future__ import annotations

import re
from typing import Any

from bpmn.expressions.feel import regex
from bpmn.expressions.feel.functions import (
    BUILTINS,
    ArgumentMismatch,
    CallContext,
    expect_int,
    expect_list,
    expect_text,
)

fn = BUILTINS.function


def _start_index(length: int, position: int) -> int:
    index = position - 1 if position > 0 else length + position
    return max(0, min(index, length))


@fn("substring", "string", "start position")
def _substring(ctx: CallContext, args: list[Any]) -> Any:
    text, start = expect_text(args[0]), expect_int(args[1])
    return text[_start_index(len(text), start) :]


@fn("substring", "string", "start position", "length")
def _substring_length(ctx: CallContext, args: list[Any]) -> Any:
    text, start, length = expect_text(args[0]), expect_int(args[1]), expect_int(args[2])
    if length < 0:
        raise ArgumentMismatch
    begin = _start_index(len(text), start)
    return text[begin : begin + length]


@fn("string length", "string")
def _string_length(ctx: CallContext, args: list[Any]) -> Any:
    return len(expect_text(args[0]))


@fn("upper case", "string")
def _upper_case(ctx: CallContext, args: list[Any]) -> Any:
    text = expect_text(args[0])
    ctx.budget.check_length(len(text))  # before the copy: the result is about as long
    return ctx.budget.text(text.upper())


@fn("lower case", "string")
def _lower_case(ctx: CallContext, args: list[Any]) -> Any:
    text = expect_text(args[0])
    ctx.budget.check_length(len(text))
    return ctx.budget.text(text.lower())


@fn("substring before", "string", "match")
def _substring_before(ctx: CallContext, args: list[Any]) -> Any:
    text, match = expect_text(args[0]), expect_text(args[1])
    index = text.find(match)
    return "" if index < 0 else text[:index]


@fn("substring after", "string", "match")
def _substring_after(ctx: CallContext, args: list[Any]) -> Any:
    text, match = expect_text(args[0]), expect_text(args[1])
    index = text.find(match)
    return "" if index < 0 else text[index + len(match) :]


@fn("contains", "string", "match")
def _contains(ctx: CallContext, args: list[Any]) -> Any:
    return expect_text(args[1]) in expect_text(args[0])


@fn("starts with", "string", "match")
def _starts_with(ctx: CallContext, args: list[Any]) -> Any:
    return expect_text(args[0]).startswith(expect_text(args[1]))


@fn("ends with", "string", "match")
def _ends_with(ctx: CallContext, args: list[Any]) -> Any:
    return expect_text(args[0]).endswith(expect_text(args[1]))


@fn("trim", "string")
def _trim(ctx: CallContext, args: list[Any]) -> Any:
    return expect_text(args[0]).strip()


@fn("is blank", "string")
def _is_blank(ctx: CallContext, args: list[Any]) -> Any:
    return not expect_text(args[0]).strip()


def _pattern(ctx: CallContext, args: list[Any], flags_at: int) -> tuple[str, re.Pattern[str]]:
    """The input text (args[0]) and the compiled pattern (args[1]), both checked."""
    text = expect_text(args[0])
    given = args[flags_at] if len(args) > flags_at else None
    flags = "" if given is None else expect_text(given)  # null flags are no flags (DMN TCK)
    safe = regex.compile_pattern(ctx, expect_text(args[1]), flags)
    return safe.check(ctx, text), safe.pattern


@fn("matches", "input", "pattern")
def _matches(ctx: CallContext, args: list[Any]) -> Any:
    text, pattern = _pattern(ctx, args, 2)
    return pattern.search(text) is not None


@fn("matches", "input", "pattern", "flags")
def _matches_flags(ctx: CallContext, args: list[Any]) -> Any:
    return _matches(ctx, args)


@fn("replace", "input", "pattern", "replacement")
def _replace(ctx: CallContext, args: list[Any]) -> Any:
    text, pattern = _pattern(ctx, args, 3)
    parts = regex.expand_replacement(expect_text(args[2]))
    if any(isinstance(part, int) and part > pattern.groups for part in parts):
        raise ArgumentMismatch

    def substitute(match: re.Match[str]) -> str:
        return "".join(part if isinstance(part, str) else match.group(part) or "" for part in parts)

    pieces: list[str] = []
    size = 0
    last = 0
    for match in pattern.finditer(text):
        piece = text[last : match.start()] + substitute(match)
        size += len(piece)
        ctx.budget.check_length(size)
        pieces.append(piece)
        last = match.end()
    pieces.append(text[last:])
    return ctx.budget.text("".join(pieces))


@fn("replace", "input", "pattern", "replacement", "flags")
def _replace_flags(ctx: CallContext, args: list[Any]) -> Any:
    return _replace(ctx, args)


@fn("split", "string", "delimiter")
def _split(ctx: CallContext, args: list[Any]) -> Any:
    text, pattern = _pattern(ctx, args, 2)
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        if match.end() == 0:
            continue
        parts.append(text[last : match.start()])
        last = match.end()
    # DMN 1.5 keeps trailing empty parts (split("a;b;;", ";") has four); feel-scala's
    # Java String.split drops them. We follow the standard (docs/feel.md).
    parts.append(text[last:])
    ctx.budget.work(len(parts))
    return parts


@fn("extract", "string", "pattern")
def _extract(ctx: CallContext, args: list[Any]) -> Any:
    text, pattern = _pattern(ctx, args, 2)
    found = [match.group(0) for match in pattern.finditer(text)]
    ctx.budget.work(len(found))
    return found


def _join(ctx: CallContext, items: Any, delimiter: Any, prefix: Any, suffix: Any) -> str:
    values = expect_list(items)
    ctx.budget.work(len(values))
    if any(item is not None and not isinstance(item, str) for item in values):
        raise ArgumentMismatch
    texts = [item for item in values if item is not None]
    sep = "" if delimiter is None else expect_text(delimiter)
    start = "" if prefix is None else expect_text(prefix)
    end = "" if suffix is None else expect_text(suffix)
    total = sum(len(t) for t in texts) + len(sep) * max(0, len(texts) - 1) + len(start) + len(end)
    ctx.budget.produce(total)
    return start + sep.join(texts) + end


@fn("string join", "list")
def _string_join(ctx: CallContext, args: list[Any]) -> Any:
    return _join(ctx, args[0], None, None, None)


@fn("string join", "list", "delimiter")
def _string_join_delimiter(ctx: CallContext, args: list[Any]) -> Any:
    return _join(ctx, args[0], args[1], None, None)


@fn("string join", "list", "delimiter", "prefix", "suffix")
def _string_join_affixes(ctx: CallContext, args: list[Any]) -> Any:
    return _join(ctx, args[0], args[1], args[2], args[3])

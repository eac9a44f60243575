"""Variable values round-trip through the codec, plain JSON on its fast path and registry values on the slow one."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine.spiff.codec import _registry, decode_value, encode_value

PLAIN: list[Any] = [
    list(range(1000)),
    ["eu", "us", None, True, 1.5],
    {"regions": ["eu", "us"], "count": 2, "nested": {"a": [1, {"b": None}]}},
    [["a", 1], {"k": "typename"}],
    "the word typename in a string",
]


@pytest.mark.parametrize("value", PLAIN, ids=range(len(PLAIN)))
def test_plain_values_decode_to_what_the_registry_would_give(value: Any) -> None:
    text = encode_value(value)
    assert decode_value(text) == value
    assert decode_value(text) == _registry.restore(json.loads(text))


def test_dates_and_durations_still_go_through_the_registry() -> None:
    value = {"at": datetime(2026, 1, 2, 3, 4, tzinfo=UTC), "wait": timedelta(minutes=5), "list": [1, 2]}
    text = encode_value(value)
    assert '"typename"' in text
    assert decode_value(text) == value


def test_a_list_with_a_date_among_scalars_is_not_taken_for_plain_json() -> None:
    value = [1, "two", datetime(2026, 1, 2, tzinfo=UTC)]
    assert decode_value(encode_value(value)) == value

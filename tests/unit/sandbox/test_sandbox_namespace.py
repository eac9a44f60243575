"""The script's namespace and the JSON boundary, tested in-process (no sandbox process needed)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.sandbox.namespace import GUARD_NAMES, script_builtins, script_globals
from engine.sandbox.policy import FORBIDDEN_NAMES
from engine.sandbox.runner import split_variables
from engine.sandbox.values import canonical_json, unstorable_reason


def test_builtins_offer_nothing_the_policy_forbids() -> None:
    offered = set(script_builtins())
    assert offered.isdisjoint(FORBIDDEN_NAMES)
    assert offered.isdisjoint({"__import__", "__build_class__", "id", "BaseException", "SystemExit"})


def test_math_helpers_are_not_the_math_module() -> None:
    helpers = script_builtins()["math"]
    assert helpers.sqrt(9) == 3.0
    assert not hasattr(helpers, "__loader__") and not hasattr(helpers, "__spec__")


@pytest.mark.parametrize("name", ["__class__", "__globals__", "__subclasses__", "_private", "format"])
def test_attribute_guard_refuses_underscore_names_and_str_format_at_run_time(name: str) -> None:
    getattr_guard = script_globals({})["_getattr_"]
    target: Any = "text" if name == "format" else (lambda: 0)
    with pytest.raises((AttributeError, NotImplementedError)):
        getattr_guard(target, name)


def test_attribute_guard_refuses_frame_attributes() -> None:
    def generator() -> Any:
        yield 1

    with pytest.raises(AttributeError):
        script_globals({})["_getattr_"](generator(), "gi_frame")


def test_attribute_guard_raises_for_missing_attributes_instead_of_returning_none() -> None:
    with pytest.raises(AttributeError):
        script_globals({})["_getattr_"]([], "apend")


def test_write_guard_refuses_attribute_writes_on_helpers() -> None:
    with pytest.raises(TypeError):
        script_globals({})["_write_"](script_builtins()["math"]).pi = 3


def test_variables_cannot_replace_guards() -> None:
    namespace = script_globals({"_getattr_": "evil", "__builtins__": {}, "x": 1})
    assert namespace["x"] == 1
    assert all(namespace[name] != "evil" for name in GUARD_NAMES)
    assert namespace["__builtins__"]


def test_inplace_operators_work_on_plain_values() -> None:
    inplace = script_globals({})["_inplacevar_"]
    assert inplace("+=", [1], [2]) == [1, 2]
    assert inplace("//=", 7, 2) == 3


@pytest.mark.parametrize(
    "value", [None, True, 3, -2.5, "text", [], {}, [1, {"a": [None, "x"]}], (1, 2), {"k": (1, [2])}]
)
def test_json_values_are_storable(value: Any) -> None:
    assert unstorable_reason(value, "v") is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({1, 2}, "v is a set"),
        ({"a": {1: "x"}}, "v['a'] has the key 1"),
        ([1, float("inf")], "v[1] is inf"),
        (b"bytes", "v is a bytes"),
        (object(), "v is an object"),
    ],
)
def test_unstorable_values_say_where_and_why(value: Any, reason: str) -> None:
    assert (unstorable_reason(value, "v") or "").startswith(reason)


def test_self_containing_list_is_unstorable_not_a_crash() -> None:
    loop: list[Any] = []
    loop.append(loop)
    assert "nested more than" in (unstorable_reason(loop, "loop") or "")


def test_canonical_json_tells_int_float_and_bool_apart() -> None:
    assert len({canonical_json(1), canonical_json(1.0), canonical_json(True)}) == 3
    assert canonical_json({"b": 1, "a": 2}) == canonical_json({"a": 2, "b": 1})


def test_split_variables_withholds_non_json_values_with_a_reason() -> None:
    variables: dict[Any, Any] = {"ok": [1], "when": object(), "_hidden": 1, 3: "x", "huge": 10**5000}
    passed, withheld = split_variables(variables)
    assert passed == {"ok": [1]}
    assert withheld["when"] == "when is an object"
    assert "cannot be written as JSON" in withheld["huge"]

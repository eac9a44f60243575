from __future__ import annotations

from bpmn.io_mappings import assign


def test_camunda8_dotted_targets_build_nested_contexts() -> None:
    variables: dict[str, object] = {"authentication": {"type": "basic"}}
    assign(variables, "authentication.username", "ada", nested=True)
    assign(variables, "a.b.c", 1, nested=True)
    assert variables == {"authentication": {"type": "basic", "username": "ada"}, "a": {"b": {"c": 1}}}


def test_shared_nested_values_are_copied_not_mutated() -> None:
    shared = {"type": "basic"}
    variables: dict[str, object] = {"authentication": shared}
    assign(variables, "authentication.token", "t", nested=True)
    assert shared == {"type": "basic"}


def test_camunda7_names_are_flat() -> None:
    variables: dict[str, object] = {}
    assign(variables, "a.b", 1, nested=False)
    assert variables == {"a.b": 1}

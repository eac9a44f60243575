"""Deploy's parse serves the first start; models bound to other files are parsed again from the store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import engine.definitions as definitions_module
from engine.engine import Engine
from tests.conftest import DATA


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    real = definitions_module.parse_model

    def counting(data: bytes, filename: str | None = None, *args: Any, **kwargs: Any) -> Any:
        parsed.append(str(filename))
        return real(data, filename, *args, **kwargs)

    monkeypatch.setattr(definitions_module, "parse_model", counting)
    return parsed


def test_a_model_deploy_parsed_starts_without_parsing_again(
    make_engine: Callable[..., Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine()
    parsed = _count_parses(monkeypatch)
    engine.deploy([("wide-join.bpmn", (DATA / "wide-join.bpmn").read_bytes())])
    assert parsed == ["wide-join.bpmn"]

    instance = engine.start("wide-join", {})

    assert parsed == ["wide-join.bpmn"]
    assert engine.instance(instance.id).state in ("running", "completed")


def test_a_caller_is_parsed_once_and_its_callee_once_as_a_child_when_the_call_runs(
    make_engine: Callable[..., Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine()
    engine.deploy([("callee-provision.bpmn", (DATA / "callee-provision.bpmn").read_bytes())])
    parsed = _count_parses(monkeypatch)
    engine.deploy([("caller-c8.bpmn", (DATA / "caller-c8.bpmn").read_bytes())])
    assert parsed == ["caller-c8.bpmn"]

    engine.start("caller-c8", {})
    engine.start("caller-c8", {})

    assert parsed == ["caller-c8.bpmn", "callee-provision.bpmn"]


def test_a_file_deployed_under_a_path_is_parsed_again_under_its_stored_name(
    make_engine: Callable[..., Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine()
    parsed = _count_parses(monkeypatch)
    engine.deploy([("models/wide-join.bpmn", (DATA / "wide-join.bpmn").read_bytes())])

    engine.start("wide-join", {})

    assert parsed == ["models/wide-join.bpmn", "wide-join.bpmn"]

"""The registry holds the built-ins, refuses silent replacement and survives broken plugins."""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pytest

import service_tasks
from engine.handlers import JobContext
from service_tasks.basic import log_variables, noop
from service_tasks.registry import ENTRY_POINT_GROUP, ServiceTaskRegistry
from steadyflow.errors import InvalidInputError

Factory = Callable[..., JobContext]
BUILTINS = ["create-database", "create-replication", "http", "io.camunda:http-json:1", "log", "noop"]


def handler_a(job: JobContext) -> Mapping[str, Any] | None:
    return {"from": "a"}


def handler_b(job: JobContext) -> Mapping[str, Any] | None:
    return {"from": "b"}


def ep(name: str, value: str) -> importlib.metadata.EntryPoint:
    return importlib.metadata.EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


def test_default_registry_has_the_built_in_types() -> None:
    registry = ServiceTaskRegistry.default(load_entry_points=False)

    assert registry.types() == BUILTINS


def test_registering_a_type_twice_is_refused_naming_the_type() -> None:
    registry = ServiceTaskRegistry()
    registry.register("send-invoice", handler_a)

    with pytest.raises(InvalidInputError, match=r"'send-invoice'.*replace=True"):
        registry.register("send-invoice", handler_b)

    assert registry.get("send-invoice") is handler_a


def test_replace_true_swaps_the_handler() -> None:
    registry = ServiceTaskRegistry()
    registry.register("send-invoice", handler_a)

    registry.register("send-invoice", handler_b, replace=True)

    assert registry.get("send-invoice") is handler_b


@pytest.mark.parametrize("job_type", ["", " padded "])
def test_a_blank_or_padded_type_is_refused(job_type: str) -> None:
    with pytest.raises(InvalidInputError, match="not valid"):
        ServiceTaskRegistry().register(job_type, handler_a)


def test_unknown_type_gets_none() -> None:
    assert ServiceTaskRegistry().get("nope") is None


def test_handler_set_leaves_out_disabled_types(
    caplog: pytest.LogCaptureFixture,
) -> None:
    registry = ServiceTaskRegistry.default(load_entry_points=False)

    with caplog.at_level(logging.WARNING):
        handlers = registry.handler_set(disabled=["log", "not-installed"])

    assert handlers.types() == ["create-database", "create-replication", "http", "io.camunda:http-json:1", "noop"]
    assert handlers.get("log") is None
    assert "not-installed" in caplog.text
    assert registry.get("log") is log_variables, "the registry itself is unchanged"


def test_a_broken_entry_point_is_skipped_with_a_warning_naming_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    registry = ServiceTaskRegistry.default(load_entry_points=False)
    points = [
        ep("broken", "no_such_module_for_steadyflow:handler"),
        ep("not-callable", "service_tasks.registry:ENTRY_POINT_GROUP"),
        ep("noop", "service_tasks.basic:log_variables"),
        ep("plugin-noop", "service_tasks.basic:noop"),
    ]

    with caplog.at_level(logging.WARNING):
        added = registry.load_entry_points(points)

    assert added == ["plugin-noop"]
    assert registry.get("plugin-noop") is noop
    assert registry.get("noop") is noop, "a plugin does not replace a built-in"
    assert "broken = no_such_module_for_steadyflow:handler" in caplog.text
    assert "not-callable" in caplog.text
    assert "job type 'noop' is already registered" in caplog.text


def test_default_loads_installed_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def fake_entry_points(*, group: str) -> Iterable[importlib.metadata.EntryPoint]:
        asked.append(group)
        return [
            ep("plugin-noop", "service_tasks.basic:noop"),
            ep("bad", "nowhere_at_all:x"),
        ]

    monkeypatch.setattr(importlib.metadata, "entry_points", fake_entry_points)

    registry = ServiceTaskRegistry.default()

    assert asked == [ENTRY_POINT_GROUP]
    assert registry.types() == sorted([*BUILTINS, "plugin-noop"])


def test_default_without_entry_points_does_not_look_for_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(**_: object) -> Iterable[importlib.metadata.EntryPoint]:
        raise AssertionError("entry points were read")

    monkeypatch.setattr(importlib.metadata, "entry_points", fail)

    assert ServiceTaskRegistry.default(load_entry_points=False).types() == BUILTINS


def test_log_handler_logs_variable_names_not_values(make_job: Factory, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="service_tasks.basic"):
        out = log_variables(make_job("log", password="hunter2", database="orders"))

    assert out == {}
    assert "database, password" in caplog.text
    assert "hunter2" not in caplog.text


def test_noop_returns_nothing(make_job: Factory) -> None:
    assert noop(make_job("noop", anything=1)) == {}


def test_package_re_exports_the_handler_api() -> None:
    for name in [
        "ServiceTaskRegistry",
        "JobContext",
        "BpmnError",
        "RetryLater",
        "NonRetryableError",
    ]:
        assert name in service_tasks.__all__
        assert getattr(service_tasks, name) is not None

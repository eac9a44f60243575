"""Dialect-neutral definitions that the Camunda 7, Camunda 8 and plain readers produce.

Values that come from a model (input/output mappings, headers) are kept as
*templates*: JSON-like trees whose leaves say how to get a value::

    {"literal": "Istanbul"}          a constant
    {"feel": "regions[1]"}           a FEEL expression (Camunda 8, "=..." in XML)
    {"juel": "${database}"}          a JUEL template (Camunda 7, "${...}" in XML)
    {"var": "regions"}               a variable named in plain BPMN (loopDataInputRef)
    {"list": [template, ...]}        camunda:list
    {"map": {"key": template}}       camunda:map

Templates are plain data, so specs that hold them serialize as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Template = dict[str, Any]


@dataclass(frozen=True)
class IoMapping:
    """``target`` receives the value of ``source`` (a template)."""

    target: str
    source: Template

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.target, "source": self.source}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IoMapping:
        return cls(target=str(data["target"]), source=dict(data["source"]))


@dataclass(frozen=True)
class RetrySettings:
    """Retry overrides read from the model; ``None`` means the engine default."""

    max_attempts: int | None = None
    initial_interval_s: float | None = None
    fixed_intervals_s: tuple[float, ...] = ()
    """From camunda:failedJobRetryTimeCycle lists like ``PT1M,PT5M``: one delay per retry."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "max_attempts": self.max_attempts,
            "initial_interval_s": self.initial_interval_s,
            "fixed_intervals_s": list(self.fixed_intervals_s),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RetrySettings:
        return cls(
            max_attempts=data.get("max_attempts"),
            initial_interval_s=data.get("initial_interval_s"),
            fixed_intervals_s=tuple(data.get("fixed_intervals_s") or ()),
        )


@dataclass(frozen=True)
class JobDefinition:
    """How a service-like task becomes a job: its type (topic), data mappings and retries."""

    type: Template
    """Usually ``{"literal": "create-database"}``; Camunda 8 allows a FEEL expression."""
    dialect: str  # "camunda7" | "camunda8" | "bpmn"
    inputs: tuple[IoMapping, ...] = ()
    outputs: tuple[IoMapping, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    retries: RetrySettings = field(default_factory=RetrySettings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "dialect": self.dialect,
            "inputs": [m.as_dict() for m in self.inputs],
            "outputs": [m.as_dict() for m in self.outputs],
            "headers": dict(self.headers),
            "retries": self.retries.as_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobDefinition:
        return cls(
            type=dict(data["type"]),
            dialect=str(data["dialect"]),
            inputs=tuple(IoMapping.from_dict(m) for m in data.get("inputs", [])),
            outputs=tuple(IoMapping.from_dict(m) for m in data.get("outputs", [])),
            headers=dict(data.get("headers", {})),
            retries=RetrySettings.from_dict(data.get("retries", {})),
        )

    @property
    def static_type(self) -> str | None:
        """The job type when it is a constant, else None."""
        value = self.type.get("literal")
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class LoopDefinition:
    """A multi-instance marker, read from any dialect into one shape."""

    sequential: bool
    input_collection: Template | None = None
    cardinality: Template | None = None
    input_element: str | None = None
    output_collection: str | None = None
    output_element: Template | None = None
    completion_condition: str | None = None
    """Canonical expression text (``=...`` FEEL or ``${...}`` JUEL)."""
    first_counter: int = 1
    """``loopCounter`` of the first instance: Camunda 8 counts from 1, Camunda 7 from 0."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "sequential": self.sequential,
            "input_collection": self.input_collection,
            "cardinality": self.cardinality,
            "input_element": self.input_element,
            "output_collection": self.output_collection,
            "output_element": self.output_element,
            "completion_condition": self.completion_condition,
            "first_counter": self.first_counter,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoopDefinition:
        return cls(
            sequential=bool(data["sequential"]),
            input_collection=data.get("input_collection"),
            cardinality=data.get("cardinality"),
            input_element=data.get("input_element"),
            output_collection=data.get("output_collection"),
            output_element=data.get("output_element"),
            completion_condition=data.get("completion_condition"),
            first_counter=int(data.get("first_counter", 1)),
        )

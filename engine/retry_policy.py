"""Temporal-style retry policies for jobs, with Camunda's defaults where they differ."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from typing import Any

from bpmn.dialects.definitions import RetrySettings


@dataclass(frozen=True)
class RetryPolicy:
    """When a failed job runs again, and when it stops and raises an incident.

    ``maximum_attempts`` counts every run including the first (Temporal's
    meaning); 3 is Camunda's default number of job retries. The delay after
    failed attempt *n* is ``initial * coefficient**(n-1)``, capped at
    ``maximum_interval_s``, unless the model lists fixed intervals.
    """

    initial_interval_s: float = 1.0
    backoff_coefficient: float = 2.0
    maximum_interval_s: float = 100.0
    maximum_attempts: int = 3
    non_retryable_error_types: tuple[str, ...] = ()
    fixed_intervals_s: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        # Lists given by a caller become tuples: a policy is a value (hashed, compared, cached per model).
        object.__setattr__(self, "non_retryable_error_types", tuple(self.non_retryable_error_types))
        object.__setattr__(self, "fixed_intervals_s", tuple(self.fixed_intervals_s))

    def delay_after(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if self.fixed_intervals_s:
            index = min(attempt - 1, len(self.fixed_intervals_s) - 1)
            return max(0.0, self.fixed_intervals_s[index])
        delay = self.initial_interval_s * self.backoff_coefficient ** max(0, attempt - 1)
        return max(0.0, min(delay, self.maximum_interval_s))

    def retryable(self, error_type: str) -> bool:
        return error_type not in self.non_retryable_error_types

    def with_model(self, settings: RetrySettings) -> RetryPolicy:
        """Apply the model's retries / retry time cycle over these defaults (computed once per pair:
        every job a step creates asks)."""
        return _with_model(self, settings)

    def as_json(self) -> str:
        """``as_dict`` as JSON text (what a job row stores), computed once per policy."""
        return _policy_json(self)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["non_retryable_error_types"] = list(self.non_retryable_error_types)
        data["fixed_intervals_s"] = list(self.fixed_intervals_s)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RetryPolicy:
        return cls(
            initial_interval_s=float(data.get("initial_interval_s", 1.0)),
            backoff_coefficient=float(data.get("backoff_coefficient", 2.0)),
            maximum_interval_s=float(data.get("maximum_interval_s", 100.0)),
            maximum_attempts=int(data.get("maximum_attempts", 3)),
            non_retryable_error_types=tuple(data.get("non_retryable_error_types", ())),
            fixed_intervals_s=tuple(float(x) for x in data.get("fixed_intervals_s", ())),
        )


@lru_cache(maxsize=256)
def _policy_json(policy: RetryPolicy) -> str:
    return json.dumps(policy.as_dict())


@lru_cache(maxsize=256)
def _with_model(policy: RetryPolicy, settings: RetrySettings) -> RetryPolicy:
    if settings.max_attempts is not None:
        policy = replace(policy, maximum_attempts=max(1, settings.max_attempts))
    if settings.initial_interval_s is not None:
        # A Camunda 7 cycle R3/PT5M means the same interval every time.
        policy = replace(
            policy,
            initial_interval_s=settings.initial_interval_s,
            backoff_coefficient=1.0,
            maximum_interval_s=max(settings.initial_interval_s, 0.0),
        )
    if settings.fixed_intervals_s:
        policy = replace(policy, fixed_intervals_s=settings.fixed_intervals_s)
    return policy

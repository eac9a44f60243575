"""What running a handler produced, before it is recorded (so results can be recorded in batches)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from engine.store.records import JobRecord


@dataclass(frozen=True)
class JobOutcome:
    job: JobRecord
    kind: Literal["complete", "fail", "postpone", "error"]
    variables: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    details: str | None = None
    error_type: str | None = None
    retryable: bool = True
    delay_s: float = 0.0
    code: str | None = None

"""What running a handler produced, before it is recorded (so results can be recorded in batches)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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


NUL_REPLACEMENT = "\ufffd"


def _without_nul(text: str | None) -> str | None:
    return None if text is None else text.replace("\x00", NUL_REPLACEMENT)


def storable_text(outcome: JobOutcome) -> JobOutcome:
    """``outcome`` with NUL characters in its message, details, error type and code replaced by U+FFFD.

    An exception's text is whatever the handler met (binary data, C strings); PostgreSQL text
    cannot hold NUL, and one such message would sink the whole results batch it is written in.
    """
    fields = (outcome.message, outcome.details, outcome.error_type, outcome.code)
    if not any(text and "\x00" in text for text in fields):
        return outcome
    return replace(
        outcome,
        message=outcome.message.replace("\x00", NUL_REPLACEMENT),
        details=_without_nul(outcome.details),
        error_type=_without_nul(outcome.error_type),
        code=_without_nul(outcome.code),
    )

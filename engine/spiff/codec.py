"""Variable values <-> JSON text, and their content addresses.

Values go through SpiffWorkflow's registry so dates, times and durations
round-trip; the JSON text is canonical (sorted keys, no spaces) so equal values
get equal hashes and are stored once.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer

from bpmn.events import CronCycleTimer
from bpmn.timer_events import ClockCycle, ClockDuration, ClockTimeDate

# The full registry: besides dates and times it knows SpiffWorkflow's events and event
# definitions, which event-based gateways keep in a task's internal data; our timer
# definitions (which read the engine's clock) are stored as SpiffWorkflow stores its own.
_OUR_TIMERS = (ClockTimeDate, ClockDuration, ClockCycle, CronCycleTimer)
_registry = BpmnWorkflowSerializer.configure(
    {**DEFAULT_CONFIG, **dict.fromkeys(_OUR_TIMERS, TimerConditionalEventDefinitionConverter)}
)
_SCALARS = (str, int, float, bool, type(None))
_EXACT_SCALARS = frozenset(_SCALARS)


def _is_plain(value: Any, depth: int = 0) -> bool:
    """True when ``value`` is JSON already (the common case), so the registry can be skipped."""
    if isinstance(value, _SCALARS):
        return True
    if depth > 32:
        return False
    if isinstance(value, list):
        # A list of plain scalars (a fan-out's regions) is checked at C speed; anything else item by item.
        return all(map(_EXACT_SCALARS.__contains__, map(type, value))) or all(_is_plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v, depth + 1) for k, v in value.items())
    return False


# Encoders made once: json.dumps with any option builds a JSONEncoder on every call, a third of the
# cost of encoding a small manifest, and a step encodes a dozen. Their encode() is thread-safe.
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
_sorted_compact = json.JSONEncoder(separators=(",", ":"), sort_keys=True).encode
compact_json = json.JSONEncoder(separators=(",", ":")).encode
"""``json.dumps(value, separators=(",", ":"))``, without building an encoder per call."""


def encode_value(value: Any) -> str:
    plain = value if _is_plain(value) else _registry.convert(value)
    return _canonical(plain)


def decode_value(text: str) -> Any:
    parsed = json.loads(text)
    # Only a registry object (a date, a duration, an event) has a "typename" key; most values have none.
    if '"typename"' not in text:
        return parsed
    return _registry.restore(parsed)


def content_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=20).hexdigest()


def dumps(value: Any) -> str:
    """Compact JSON for small structural fields (children lists, manifests, frames)."""
    return _sorted_compact(value)

"""Operational metrics in the Prometheus text format: counters of this process, gauges of the database.

Counters and the step latency histogram live in memory, one set per
:class:`StepMetrics` (the step runner of an engine owns one), and count only
what committed: they are fed from the history events a step wrote, after its
commit. Several processes each expose their own counters (Prometheus sums
them); the gauges (jobs by state, queue depth, open incidents) are read from
the shared database at scrape time, so every process reports the same values.
"""

from __future__ import annotations

import base64
import binascii
import math
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.accounts import Accounts
    from engine.store.database import Database

STEP_SECONDS_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Upper bounds of the step latency histogram, in seconds (a step is usually a few milliseconds)."""

_COUNTED_EVENTS = {
    "InstanceStarted": "steadyflow_instances_started_total",
    "InstanceCompleted": "steadyflow_instances_completed_total",
    "InstanceCancelled": "steadyflow_instances_cancelled_total",
    "IncidentRaised": "steadyflow_incidents_raised_total",
}
_HELP = {
    "steadyflow_instances_started_total": "Process instances started by this process.",
    "steadyflow_instances_completed_total": "Process instances that completed in a step of this process.",
    "steadyflow_instances_failed_total": (
        "Process instances that failed in a step of this process: went from no open incident to one or more."
    ),
    "steadyflow_instances_cancelled_total": "Process instances cancelled by this process.",
    "steadyflow_incidents_raised_total": "Incidents raised by steps of this process.",
    "steadyflow_steps_total": "Steps committed by this process.",
    "steadyflow_job_attempts_total": "Jobs claimed for an attempt by this process, by job type.",
    "steadyflow_job_failures_total": "Failed job attempts (retried or incident) recorded by this process, by job type.",
}


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(pairs: Sequence[tuple[str, str]]) -> str:
    if not pairs:
        return ""
    return "{" + ",".join(f'{name}="{_escape(value)}"' for name, value in pairs) + "}"


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if value != int(value) else str(int(value))


class StepMetrics:
    """Thread-safe counters and the step latency histogram of one engine."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        self._bucket_counts = [0] * len(STEP_SECONDS_BUCKETS)
        self._step_count = 0
        self._step_sum = 0.0

    def _add(self, name: str, amount: float = 1.0, **labels: str) -> None:
        key = (name, tuple(sorted(labels.items())))
        self._counters[key] = self._counters.get(key, 0.0) + amount

    def step_committed(self, events: Iterable[Mapping[str, Any]], seconds: float, *, failed: bool = False) -> None:
        """Count one committed step, its latency, and what its history events say happened.

        ``failed``: the step left its instance with an open incident where it had none.
        """
        with self._lock:
            self._add("steadyflow_steps_total")
            if failed:
                self._add("steadyflow_instances_failed_total")
            self._step_count += 1
            self._step_sum += seconds
            for index, bound in enumerate(STEP_SECONDS_BUCKETS):
                if seconds <= bound:
                    self._bucket_counts[index] += 1
            for event in events:
                kind = event.get("type")
                if kind in _COUNTED_EVENTS:
                    self._add(_COUNTED_EVENTS[str(kind)])
                elif kind == "JobFailed":
                    data = event.get("data") or {}
                    self._add("steadyflow_job_failures_total", type=str(data.get("job_type", "unknown")))

    def jobs_claimed(self, types: Iterable[str]) -> None:
        with self._lock:
            for job_type in types:
                self._add("steadyflow_job_attempts_total", type=job_type)

    def value(self, name: str, **labels: str) -> float:
        """One counter's value (0 when never incremented); for tests and the CLI."""
        with self._lock:
            return self._counters.get((name, tuple(sorted(labels.items()))), 0.0)

    def render(self) -> list[str]:
        """The counters and the histogram as exposition lines (every family, even at zero)."""
        with self._lock:
            counters = dict(self._counters)
            buckets, count, total = list(self._bucket_counts), self._step_count, self._step_sum
        lines: list[str] = []
        for name, help_text in _HELP.items():
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} counter"]
            samples = sorted((labels, value) for (n, labels), value in counters.items() if n == name)
            if not samples and not name.startswith("steadyflow_job_"):
                samples = [((), 0.0)]
            lines += [f"{name}{_labels(labels)} {_number(value)}" for labels, value in samples]
        name = "steadyflow_step_duration_seconds"
        lines += [f"# HELP {name} Time from a step's start to its commit.", f"# TYPE {name} histogram"]
        lines += [f'{name}_bucket{{le="{bound}"}} {n}' for bound, n in zip(STEP_SECONDS_BUCKETS, buckets, strict=True)]
        lines += [f'{name}_bucket{{le="+Inf"}} {count}', f"{name}_sum {_number(total)}", f"{name}_count {count}"]
        return lines


def render_gauges(db: Database, now: float | None = None) -> list[str]:
    """Gauges read from the database now: what every process of the deployment shares."""
    from engine.store.gauges import read_gauges

    values = db.retrying(lambda: read_gauges(db, time.time() if now is None else now), what="read metrics")
    lines: list[str] = []
    families: dict[str, tuple[str, list[tuple[tuple[tuple[str, str], ...], float]]]] = {
        "steadyflow_instances": ("Process instances by state.", []),
        "steadyflow_jobs": ("Jobs by state: ready (waiting or due), locked (a worker runs it), incident.", []),
        "steadyflow_incidents_open": ("Open incidents.", []),
        "steadyflow_job_queue_depth": ("Jobs that are due and not locked: waiting for a worker.", []),
        "steadyflow_job_oldest_due_seconds": ("How long the longest-waiting due job has waited (0: none).", []),
        "steadyflow_timers_due": ("Timers that are due and not yet fired.", []),
    }
    for state, count in sorted(values.instances_by_state.items()):
        families["steadyflow_instances"][1].append(((("state", state),), count))
    for state, count in sorted(values.jobs_by_state.items()):
        families["steadyflow_jobs"][1].append(((("state", state),), count))
    families["steadyflow_incidents_open"][1].append(((), values.incidents_open))
    families["steadyflow_job_queue_depth"][1].append(((), values.queue_depth))
    families["steadyflow_job_oldest_due_seconds"][1].append(((), values.oldest_due_s))
    families["steadyflow_timers_due"][1].append(((), values.timers_due))
    for name, (help_text, samples) in families.items():
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
        lines += [f"{name}{_labels(labels)} {_number(value)}" for labels, value in samples]
    return lines


def exposition(metrics: StepMetrics, db: Database) -> str:
    """The whole ``/metrics`` body (text format 0.0.4)."""
    return "\n".join([*metrics.render(), *render_gauges(db)]) + "\n"


CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def scrape_allowed(accounts: Accounts, authorization: str | None, *, public: bool) -> bool:
    """Who may read ``/metrics``: anyone only with ``--metrics-public``, else any user's token or password.

    Prometheus sends ``Authorization: Bearer <token>`` (``authorization.credentials_file``) or
    HTTP basic (``basic_auth``); a viewer's API token from ``steadyflow users token`` is enough.
    """
    if public:
        return True
    scheme, _, value = (authorization or "").partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return accounts.user_for_token(value) is not None
    if scheme.lower() == "basic" and value:
        try:
            username, sep, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return bool(sep) and accounts.authenticate(username, password) is not None
    return False


__all__ = ["CONTENT_TYPE", "STEP_SECONDS_BUCKETS", "StepMetrics", "exposition", "render_gauges", "scrape_allowed"]

"""Operational metrics in the Prometheus text format, written with ``prometheus_client``.

Counters and the step latency histogram belong to a :class:`StepMetrics` (the
step runner of an engine owns one, in a registry of its own) and count only
what committed: they are fed from the history events a step wrote, after its
commit. The gauges (jobs by state, queue depth, open incidents) are read from
the shared database at scrape time, so every process reports the same values.

Several processes on one host (``steadyflow worker`` replicas in one pod, say)
can share one exposition: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder
they all write to before they start, and any of them answers for all
(``prometheus_client``'s multiprocess mode, which sums the counters).
"""

from __future__ import annotations

import base64
import binascii
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from engine.accounts import Accounts
    from engine.store.database import Database

# `*_created` series double every counter and no dashboard of ours reads them.
prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]

STEP_SECONDS_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Upper bounds of the step latency histogram, in seconds (a step is usually a few milliseconds)."""

MULTIPROCESS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"

_COUNTED_EVENTS = {
    "InstanceStarted": "steadyflow_instances_started",
    "InstanceCompleted": "steadyflow_instances_completed",
    "InstanceCancelled": "steadyflow_instances_cancelled",
    "IncidentRaised": "steadyflow_incidents_raised",
}
_PLAIN_COUNTERS = {
    "steadyflow_instances_started": "Process instances started by this process.",
    "steadyflow_instances_completed": "Process instances that completed in a step of this process.",
    "steadyflow_instances_failed": (
        "Process instances that failed in a step of this process: went from no open incident to one or more."
    ),
    "steadyflow_instances_cancelled": "Process instances cancelled by this process.",
    "steadyflow_incidents_raised": "Incidents raised by steps of this process.",
    "steadyflow_steps": "Steps committed by this process.",
}


def _multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROCESS_DIR_ENV) or None


class StepMetrics:
    """The counters and the step latency histogram of one engine (``prometheus_client`` is thread-safe)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._counters = {
            name: Counter(name, help_text, registry=self.registry) for name, help_text in _PLAIN_COUNTERS.items()
        }
        self._job_attempts = Counter(
            "steadyflow_job_attempts",
            "Jobs claimed for an attempt by this process, by job type.",
            ["type"],
            registry=self.registry,
        )
        self._job_failures = Counter(
            "steadyflow_job_failures",
            "Failed job attempts (retried or incident) recorded by this process, by job type.",
            ["type"],
            registry=self.registry,
        )
        self._step_seconds = Histogram(
            "steadyflow_step_duration_seconds",
            "Time from a step's start to its commit.",
            buckets=STEP_SECONDS_BUCKETS,
            registry=self.registry,
        )

    def step_committed(self, events: Iterable[Mapping[str, Any]], seconds: float, *, failed: bool = False) -> None:
        """Count one committed step, its latency, and what its history events say happened.

        ``failed``: the step left its instance with an open incident where it had none.
        """
        self._counters["steadyflow_steps"].inc()
        if failed:
            self._counters["steadyflow_instances_failed"].inc()
        self._step_seconds.observe(seconds)
        for event in events:
            kind = event.get("type")
            if kind in _COUNTED_EVENTS:
                self._counters[_COUNTED_EVENTS[str(kind)]].inc()
            elif kind == "JobFailed":
                data = event.get("data") or {}
                self._job_failures.labels(type=str(data.get("job_type", "unknown"))).inc()

    def jobs_claimed(self, types: Iterable[str]) -> None:
        for job_type in types:
            self._job_attempts.labels(type=job_type).inc()

    def value(self, name: str, **labels: str) -> float:
        """One sample's value in this process (0 when never incremented); for tests and the CLI."""
        found = self.registry.get_sample_value(name, labels or None)
        return 0.0 if found is None else float(found)

    def render(self) -> str:
        """The counters and the histogram in the text format; in multiprocess mode those of every process."""
        directory = _multiprocess_dir()
        if directory is None:
            return generate_latest(self.registry).decode("utf-8")
        shared = CollectorRegistry()
        multiprocess.MultiProcessCollector(shared, path=directory)  # type: ignore[no-untyped-call]
        return generate_latest(shared).decode("utf-8")


class _DatabaseGauges(Collector):
    """Gauges read from the database at collection time: what every process of the deployment shares."""

    def __init__(self, db: Database, now: float | None) -> None:
        self._db = db
        self._now = now

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from engine.store.gauges import read_gauges

        now = time.time() if self._now is None else self._now
        values = self._db.retrying(lambda: read_gauges(self._db, now), what="read metrics")
        instances = GaugeMetricFamily("steadyflow_instances", "Process instances by state.", labels=["state"])
        for state, count in sorted(values.instances_by_state.items()):
            instances.add_metric([state], count)
        jobs = GaugeMetricFamily(
            "steadyflow_jobs",
            "Jobs by state: ready (waiting or due), locked (a worker runs it), incident.",
            labels=["state"],
        )
        for state, count in sorted(values.jobs_by_state.items()):
            jobs.add_metric([state], count)
        yield instances
        yield jobs
        yield GaugeMetricFamily("steadyflow_incidents_open", "Open incidents.", value=values.incidents_open)
        yield GaugeMetricFamily(
            "steadyflow_job_queue_depth",
            "Jobs that are due and not locked: waiting for a worker.",
            value=values.queue_depth,
        )
        yield GaugeMetricFamily(
            "steadyflow_job_oldest_due_seconds",
            "How long the longest-waiting due job has waited (0: none).",
            value=values.oldest_due_s,
        )
        yield GaugeMetricFamily(
            "steadyflow_timers_due", "Timers that are due and not yet fired.", value=values.timers_due
        )


def render_long_polls(waiting: Mapping[str, int]) -> str:
    """This server's waiting long polls per API (fetchAndLock, job activation), in the text format.

    Unlike the database gauges these belong to one server process: they tell an operator how many
    server threads are held by idle workers (and a test when its worker's request is waiting).
    """
    family = GaugeMetricFamily(
        "steadyflow_long_polls_waiting",
        "Long-polling requests this server holds open, waiting for work, by API.",
        labels=["api"],
    )
    for api, count in sorted(waiting.items()):
        family.add_metric([api], count)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families([family]))
    return generate_latest(registry).decode("utf-8")


class _Families(Collector):
    def __init__(self, families: list[GaugeMetricFamily]) -> None:
        self._families = families

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families


def render_gauges(db: Database, now: float | None = None) -> str:
    """The database's gauges in the text format, read now (or as of ``now``)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_DatabaseGauges(db, now))
    return generate_latest(registry).decode("utf-8")


def exposition(metrics: StepMetrics, db: Database) -> str:
    """The whole ``/metrics`` body (text format 0.0.4)."""
    return metrics.render() + render_gauges(db)


CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""What ``generate_latest`` writes: the classic text format, which every Prometheus version reads."""


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


__all__ = [
    "CONTENT_TYPE",
    "MULTIPROCESS_DIR_ENV",
    "STEP_SECONDS_BUCKETS",
    "StepMetrics",
    "exposition",
    "render_gauges",
    "render_long_polls",
    "scrape_allowed",
]

"""Readiness of a steadyflow process: can it reach its database, and is its scheduler running?

``/health`` says the process answers (a liveness probe: restart it when it
stops answering); ``/ready`` (``readiness``) says it can do its work now (a
readiness probe: send it no traffic while it cannot). The scheduler is the
process's :class:`~engine.worker.WorkerPool`, which claims jobs and fires
timers; it is unhealthy when stopped, when one of its threads died, or when its
heartbeat has not reached the database for longer than the take-over timeout
(other processes then treat it as dead and take its jobs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from engine.store.database import Database


@dataclass(frozen=True)
class Check:
    """One part of readiness: ``ok``, and in ``detail`` what was found (safe to show without a login)."""

    name: str
    ok: bool
    detail: str


class Scheduler(Protocol):
    def health(self) -> Check: ...


@dataclass(frozen=True)
class Readiness:
    checks: tuple[Check, ...]

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks)

    def as_json(self) -> dict[str, object]:
        return {
            "status": "ready" if self.ready else "not ready",
            "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in self.checks},
        }


def database_check(db: Database) -> Check:
    problem = db.ping()
    if problem is None:
        return Check("database", True, "answered")
    return Check("database", False, f"{problem}; the process retries on its own, see its log")


def readiness(db: Database, scheduler: Scheduler | None) -> Readiness:
    """The database and (when this process runs one) the scheduler, checked now."""
    checks = [database_check(db)]
    if scheduler is not None:
        checks.append(scheduler.health())
    return Readiness(tuple(checks))


__all__ = ["Check", "Readiness", "Scheduler", "database_check", "readiness"]

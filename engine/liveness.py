"""Worker liveness: each pool heartbeats in the ``workers`` table and takes over the jobs of dead ones.

A pool of this host (same host name, boot id and pid namespace) is dead exactly when its process
(pid and start time) is gone: at once, so a restarted ``serve`` takes over its SIGKILLed
predecessor's jobs before claiming, and never while it runs, however late its heartbeat. A pool
of another host is dead when its heartbeat is older than ``worker_timeout_s``; heartbeats are
written and judged by the database's clock, so a host whose clock is off is not taken for dead.
Lock owners that never registered (external clients) are not ours to judge.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable

from engine.store import workers as store
from engine.store.database import Database
from engine.store.workers import WorkerRow
from steadyflow.errors import SteadyflowError

log = logging.getLogger(__name__)

_LIVE_HERE: set[str] = set()
"""Ids of the pools registered by this process: on our own host and pid, only these are alive."""
_LIVE_HERE_LOCK = threading.Lock()


def host_identity() -> str | None:
    """This machine boot as seen by pid checks: host name, boot id and pid namespace; None if unknown.

    Two machines may share a host name, and every Linux host starts with the same pid namespace
    inode, so only the boot id tells machines apart; the namespace tells containers sharing a
    kernel apart. Without ``/proc`` no pid is judged at all: staleness alone decides.
    """
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as file:
            boot_id = file.read().strip()
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return None
    if not boot_id:
        return None
    return f"{socket.gethostname()}/{boot_id}/{namespace}"


def process_start(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, /proc/<pid>/stat field 22); None if gone.

    A pid reused by a later process has a different start time, so (pid, start) names one process.
    """
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as file:
            stat = file.read()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 1 :].split()  # the command name may hold spaces and parentheses
    return fields[19] if len(fields) > 19 else None  # fields[0] is field 3 (state)


def pid_alive(pid: int) -> bool:
    """Whether a process with ``pid`` exists on this host (it may be another program that reused it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return True
    return True


def process_alive(pid: int, start: str | None) -> bool:
    """Whether the process that registered as (``pid``, ``start``) still runs on this host."""
    if not pid_alive(pid):
        return False
    return start is None or process_start(pid) == start


def dead_workers(
    rows: Iterable[WorkerRow],
    *,
    now: float,
    timeout_s: float,
    host: str | None,
    pid: int,
    live_here: set[str],
    alive: Callable[[int, str | None], bool] = process_alive,
) -> list[str]:
    """Which registered workers are dead: on this host, those whose process is gone; elsewhere, stale ones.

    A pool of this host whose process still runs is never dead, however old its heartbeat: a
    long write transaction can hold back its heartbeat, not end it. ``host`` None means this
    process cannot judge pids, so staleness alone decides.
    """
    dead = []
    for row in rows:
        if row.id in live_here:
            continue
        machine, _, start = row.host.partition("#")
        if host is not None and machine == host:
            if row.pid == pid or not alive(row.pid, start or None):
                dead.append(row.id)
        elif row.heartbeat_at < now - timeout_s:
            dead.append(row.id)
    return dead


class WorkerRegistration:
    """One pool's row in ``workers``: registered on start, beaten every ``heartbeat_s``, removed on stop."""

    def __init__(self, db: Database, worker_id: str, *, heartbeat_s: float, timeout_s: float) -> None:
        self.db = db
        self.timeout_s = timeout_s
        self.heartbeat_s = heartbeat_s
        self.host = host_identity()
        start = process_start(os.getpid()) if self.host is not None else None
        identity = self.host or socket.gethostname()
        host_column = f"{identity}#{start}" if start else identity
        self.row = WorkerRow(worker_id, host_column, os.getpid(), time.time(), time.time())
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.taken_over = 0
        """Jobs of dead workers this pool released (for tests and logs)."""
        self.last_beat: float | None = None
        """``time.monotonic()`` of the last heartbeat the database took (None before the first)."""

    def start(self) -> None:
        """Register, take over dead workers' jobs at once, then heartbeat in a thread until ``stop``."""
        with _LIVE_HERE_LOCK:
            _LIVE_HERE.add(self.row.id)
        self.beat()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="steadyflow-liveness", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop beating and deregister (a graceful shutdown: nothing is left for others to take over)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=max(1.0, self.heartbeat_s * 2))
        with _LIVE_HERE_LOCK:
            _LIVE_HERE.discard(self.row.id)
        try:
            self.db.retrying(self._deregister, what="deregister worker")
        except SteadyflowError as exc:
            log.warning("deregistering worker %s failed: %s", self.row.id, exc)

    def beat(self) -> int:
        """One heartbeat and one sweep, in separate transactions; returns how many jobs were taken over."""
        self.db.retrying(self._heartbeat, what="worker heartbeat")
        self.last_beat = time.monotonic()
        released = self.db.retrying(self._sweep, what="take over dead workers' jobs")
        self.taken_over += released
        return released

    def _loop(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            try:
                self.beat()
            except SteadyflowError as exc:
                log.warning("worker heartbeat failed: %s", exc)

    def _heartbeat(self) -> None:
        with self.db.write() as conn:
            store.heartbeat(conn, self.row)

    def _deregister(self) -> None:
        with self.db.write() as conn:
            store.deregister(conn, self.row.id)

    def _sweep(self) -> int:
        with self.db.write() as conn:
            now = store.database_now(conn)
            suspects = store.lock_suspects(conn, stale_before=now - self.timeout_s, host=self.host)
            with _LIVE_HERE_LOCK:
                live = set(_LIVE_HERE)
            dead = dead_workers(
                suspects, now=now, timeout_s=self.timeout_s, host=self.host, pid=self.row.pid, live_here=live
            )
            if not dead:
                return 0
            released, busy = store.release_jobs_of(conn, dead)
            store.forget(conn, [worker for worker in dead if worker not in busy])
        if released:
            log.warning("took over %d job(s) of dead worker(s) %s", released, ", ".join(dead))
        return released

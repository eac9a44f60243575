"""Worker liveness: each pool heartbeats in the ``workers`` table and takes over the jobs of dead ones.

A pool is dead when its heartbeat is older than ``worker_timeout_s``, or at once when it ran on
this host and its process is gone (a restarted ``serve`` takes over its SIGKILLed predecessor's
jobs before claiming). A live pool is never taken over: its own process, or a heartbeat within
the timeout, keeps it. Lock owners that never registered (external clients) are not ours to judge.
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


def host_identity() -> str:
    """This machine as seen by pid checks: its name, and its pid namespace where Linux tells it.

    Two containers may share a host name (``--network host``) but not their pids; a pid is
    only judged by a process of the same namespace.
    """
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return socket.gethostname()
    return f"{socket.gethostname()}/{namespace}"


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


def dead_workers(
    rows: Iterable[WorkerRow],
    *,
    now: float,
    timeout_s: float,
    host: str,
    pid: int,
    live_here: set[str],
    alive: Callable[[int], bool] = pid_alive,
) -> list[str]:
    """Which registered workers are dead: a stale heartbeat, or a pool of this host whose process is gone."""
    dead = []
    for row in rows:
        if row.id in live_here:
            continue
        stale = row.heartbeat_at < now - timeout_s
        gone_here = row.host == host and (row.pid == pid or not alive(row.pid))
        if stale or gone_here:
            dead.append(row.id)
    return dead


class WorkerRegistration:
    """One pool's row in ``workers``: registered on start, beaten every ``heartbeat_s``, removed on stop."""

    def __init__(self, db: Database, worker_id: str, *, heartbeat_s: float, timeout_s: float) -> None:
        self.db = db
        self.timeout_s = timeout_s
        self.heartbeat_s = heartbeat_s
        self.row = WorkerRow(worker_id, host_identity(), os.getpid(), time.time(), time.time())
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.taken_over = 0
        """Jobs of dead workers this pool released (for tests and logs)."""

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
            store.heartbeat(conn, self.row, time.time())

    def _deregister(self) -> None:
        with self.db.write() as conn:
            store.deregister(conn, self.row.id)

    def _sweep(self) -> int:
        now = time.time()
        with self.db.write() as conn:
            suspects = store.lock_suspects(conn, stale_before=now - self.timeout_s, host=self.row.host)
            with _LIVE_HERE_LOCK:
                live = set(_LIVE_HERE)
            dead = dead_workers(
                suspects, now=now, timeout_s=self.timeout_s, host=self.row.host, pid=self.row.pid, live_here=live
            )
            if not dead:
                return 0
            released, busy = store.release_jobs_of(conn, dead)
            store.forget(conn, [worker for worker in dead if worker not in busy])
        if released:
            log.warning("took over %d job(s) of dead worker(s) %s", released, ", ".join(dead))
        return released

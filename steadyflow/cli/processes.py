"""The long-running commands, ``serve`` and ``worker``: signals, graceful shutdown, metrics endpoint.

On SIGTERM (or SIGINT) a process stops claiming jobs, lets running handlers
finish and records their results for up to ``--grace`` seconds, releases the
locks of jobs still running so other workers take them at once, and exits 0.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import signal
import sys
import time
from typing import Any

log = logging.getLogger(__name__)
DEFAULT_GRACE_S = 30.0


class StopSignal:
    """SIGTERM/SIGINT as a flag the main thread waits for.

    The handler only assigns a bool: it runs in the main thread between two bytecodes, and anything that
    takes a lock there (``threading.Event.set``, logging) deadlocks when the main thread already holds
    that lock, e.g. while entering ``Event.wait``. The main thread sleeps in short steps instead.
    """

    POLL_S = 0.1

    def __init__(self) -> None:
        self.signal_name: str | None = None
        signal.signal(signal.SIGTERM, self._handle)
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum: int, _frame: Any) -> None:
        self.signal_name = signal.Signals(signum).name

    @property
    def requested(self) -> bool:
        return self.signal_name is not None

    def wait(self) -> None:
        """Return once a stop signal arrived (sleep is interrupted by it, then resumed: at most POLL_S late)."""
        while self.signal_name is None:
            time.sleep(self.POLL_S)
        log.info("received %s: stopping", self.signal_name)


def drain(pool: Any, grace_s: float) -> None:
    """Stop the pool; if handlers outlived the grace period, their locks are released: leave without them."""
    finished = pool.stop(timeout_s=grace_s)
    print(f"worker {pool.worker_id} stopped" + ("" if finished else " (released jobs still running)"), flush=True)
    if not finished:
        # A handler thread cannot be interrupted and would keep the interpreter alive until it returns.
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def cmd_worker(args: argparse.Namespace) -> int:
    from engine.gc_policy import pause, settle

    pause()  # start-up (imports, engine, handlers) builds what the process keeps; settle() resumes collecting
    from engine.worker import WorkerPool
    from steadyflow.cli.commands import handler_set, open_engine
    from steadyflow.cli.render import unhandled

    if args.until_idle:
        pool = WorkerPool(open_engine(args), handler_set(args.disable_handler), concurrency=args.concurrency)
        settle()
        stats = pool.run_until_idle(max_wait_s=args.max_wait)
        pool.stop(timeout_s=5)
        print(
            f"idle: {stats.completed} completed, {stats.failed} failed, {stats.postponed} postponed, "
            f"{stats.timers_fired} timers fired"
        )
        return unhandled(stats.unhandled_types)
    stop = StopSignal()  # before the slow start-up, so an early SIGTERM is a clean exit too
    engine = open_engine(args)
    pool = WorkerPool(engine, handler_set(args.disable_handler), concurrency=args.concurrency)
    if stop.requested:
        return 0
    settle()
    metrics_server = None
    if args.metrics_port is not None:
        from steadyflow.cli.metrics_http import start_metrics_server

        metrics_server = start_metrics_server(
            engine, args.metrics_host, args.metrics_port, public=args.metrics_public, scheduler=pool
        )
    pool.start()
    print(f"worker {pool.worker_id} serving {', '.join(pool.types) or 'no job types'}", flush=True)
    stop.wait()
    if metrics_server is not None:
        metrics_server.shutdown()
    drain(pool, args.grace)
    return 0


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def cmd_serve(args: argparse.Namespace) -> int:
    from engine.gc_policy import pause, settle

    pause()  # start-up (imports, engine, handlers) builds what the process keeps; settle() resumes collecting
    from engine.worker import WorkerPool
    from steadyflow.cli.commands import handler_set, open_engine
    from webui.server import serve

    if args.c8_no_auth and not is_loopback(args.host):
        print(
            f"error: --c8-no-auth lets anyone who can connect deploy and run processes, so it is refused on "
            f"--host {args.host}; serve on 127.0.0.1 (or ::1), or give Camunda 8 clients credentials instead",
            file=sys.stderr,
        )
        return 2
    stop = StopSignal()  # before the slow start-up, so an early SIGTERM is a clean exit too
    engine = open_engine(args)
    pool = WorkerPool(engine, handler_set(args.disable_handler), concurrency=args.concurrency)
    if stop.requested:
        return 0
    settle()
    pool.start()
    try:
        serve(
            engine,
            host=args.host,
            port=args.port,
            until=stop.wait,
            metrics_public=args.metrics_public,
            c8_no_auth=args.c8_no_auth,
            scheduler=pool,
        )
    finally:
        drain(pool, args.grace)
    return 0


def _pool_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--concurrency", type=int, default=4, help="handlers running at once")
    p.add_argument(
        "--disable-handler",
        action="append",
        metavar="TYPE",
        default=[],
        help="leave this job type to external workers; repeatable (env STEADYFLOW_DISABLE_HANDLERS)",
    )
    p.add_argument(
        "--grace",
        type=float,
        default=DEFAULT_GRACE_S,
        metavar="SECONDS",
        help="on SIGTERM, let running handlers finish this long, then release their jobs and exit (default 30)",
    )
    p.add_argument(
        "--metrics-public",
        action="store_true",
        help="answer /metrics without credentials (default: a user's token or password is required)",
    )


def worker_options(p: argparse.ArgumentParser) -> None:
    _pool_opts(p)
    p.add_argument("--until-idle", action="store_true", help="exit once nothing is runnable or due")
    p.add_argument(
        "--max-wait",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="with --until-idle: wait for retries and timers due within this long (default 60)",
    )
    p.add_argument(
        "--metrics-port", type=int, metavar="PORT", help="serve Prometheus /metrics, /health and /ready on this port"
    )
    p.add_argument("--metrics-host", default="127.0.0.1", metavar="HOST", help="address of --metrics-port")


def serve_options(p: argparse.ArgumentParser) -> None:
    _pool_opts(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument(
        "--c8-no-auth",
        action="store_true",
        help="answer /v2 (Camunda 8 API) requests without credentials, as Camunda Modeler's default "
        "connection expects; only on a loopback --host",
    )

"""Connections, transactions and the two dialects we run on (SQLite, PostgreSQL).

Writers on SQLite begin with ``BEGIN IMMEDIATE`` so that two processes never
deadlock upgrading read locks; a busy database is waited for and retried, never
shown to a user. PostgreSQL steps lock the instance row with ``FOR UPDATE``.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.pool import QueuePool

from steadyflow.errors import StoreError

log = logging.getLogger(__name__)
T = TypeVar("T")

BUSY_RETRY_SECONDS = 120.0
"""How long a write waits for a busy or unreachable database before giving up."""
UNREACHABLE_WARNING_S = 1.0
"""Retrying longer than this logs a warning (once per operation), and one more when it succeeds."""


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'steadyflow.db').resolve()}"


def normalise_url(url: str) -> str:
    """Accept the URL forms people paste: postgres://, postgresql://, postgresql+psycopg://."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


_CONFIGURATION_ERRORS = ("does not exist", "authentication failed", "no pg_hba.conf entry", "permission denied")
"""A connection refused for one of these will not get better by waiting: say so at once."""


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError):
        text = str(exc.orig).lower() if exc.orig else str(exc).lower()
        if any(marker in text for marker in _CONFIGURATION_ERRORS):
            return False
        return any(
            marker in text
            for marker in (
                "database is locked",
                "database is busy",
                "connection",
                "server closed",
                "terminating",
                "could not serialize",
                "deadlock",
                "the database system is",
            )
        )
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def is_database_error(exc: BaseException) -> bool:
    """Whether ``exc`` is the database's trouble (maybe passing), not the step's: it must reach ``retrying``.

    Callers outside the store catch broad exceptions around their own code; they use this
    to let database errors through instead of taking them for a bug in that code.
    """
    return isinstance(exc, (StoreError, DBAPIError))


class Database:
    """One SQLAlchemy engine plus the dialect-specific ways to begin and lock."""

    def __init__(self, url: str, *, pool_size: int = 10, durable: bool = True) -> None:
        self.url = normalise_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        # SQLite has one writer at a time: threads of this process queue here and hand over at once,
        # instead of in SQLite's busy handler, which sleeps up to 100 ms per try (16 external-task
        # workers: p95 round trip 950 ms -> 235 ms in bench/external_task_bench.py). Callers take
        # instance locks before writing, never the other way round, so this cannot deadlock.
        self._writer: Any = threading.RLock() if self.is_sqlite else contextlib.nullcontext()
        if self.is_sqlite:
            path = self.url.removeprefix("sqlite:///")
            if path and path != ":memory:":
                try:
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StoreError(
                        f"cannot create the folder of the SQLite database {path}: {exc.strerror or exc}; "
                        "choose a writable --data-dir or --db sqlite:///PATH"
                    ) from exc
            # Connections are kept: opening one costs its PRAGMAs and, in WAL mode, a checkpoint when
            # the last one closes (about 5 ms a step, measured in bench/engine_bench.py).
            self.engine: Engine = create_engine(
                self.url,
                poolclass=QueuePool,
                pool_size=pool_size,
                max_overflow=pool_size * 2,
                connect_args={"timeout": 30, "check_same_thread": False},
            )
            event.listen(self.engine, "connect", _sqlite_on_connect)
            if not durable:
                event.listen(self.engine, "connect", _sqlite_throwaway)
            event.listen(self.engine, "begin", _sqlite_on_begin)
        else:
            self.engine = create_engine(
                self.url,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
                pool_recycle=1800,
                # A server that vanished without closing the connection (a network partition) is
                # noticed within about 30 s instead of hanging a worker until the OS gives up (hours).
                connect_args={
                    "connect_timeout": 10,
                    "keepalives": 1,
                    "keepalives_idle": 10,
                    "keepalives_interval": 5,
                    "keepalives_count": 3,
                },
            )

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite)."""
        with self._writer, self.engine.connect() as conn:
            conn = conn.execution_options(steadyflow_begin="IMMEDIATE")
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only snapshot."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(steadyflow_begin="DEFERRED")
            with conn.begin():
                yield conn

    def retrying(
        self, work: Callable[[], T], *, what: str, deadline_s: float = BUSY_RETRY_SECONDS, retry_conflicts: bool = False
    ) -> T:
        """Run ``work`` again while the database is busy or briefly unreachable.

        With ``retry_conflicts``, a unique-key conflict (another process inserted
        the same key first) is retried too, so ``work`` can look again.
        """
        started = time.monotonic()
        delay = 0.005
        warned = False
        while True:
            try:
                result = work()
            except (OperationalError, DBAPIError) as exc:
                conflict = retry_conflicts and isinstance(exc, IntegrityError)
                waited = time.monotonic() - started
                if not (conflict or _is_transient(exc)) or waited > deadline_s:
                    raise StoreError(f"{what} failed: {self.explain(exc)}") from exc
                if not warned and waited >= UNREACHABLE_WARNING_S and not conflict:
                    # Busy for a moment is normal; this long means the database is down or unreachable.
                    log.warning(
                        "database at %s unavailable during %s (%s); waiting and retrying for up to %.0f s",
                        self.safe_url,
                        what,
                        first_line(exc),
                        deadline_s,
                    )
                    warned = True
                log.debug("database busy during %s; retrying in %.3fs", what, delay)
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 1.0)
                continue
            if warned:
                log.warning(
                    "database at %s is back after %.1f s; %s done", self.safe_url, time.monotonic() - started, what
                )
            return result

    def ping(self) -> str | None:
        """One round trip, no retry: None when the database answered, else why not (without URL or path)."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except (OperationalError, DBAPIError) as exc:
            return f"the database did not answer ({type(exc.orig or exc).__name__})"
        return None

    def explain(self, exc: BaseException) -> str:
        """What the database said, and what to do about it, for an error message (without its URL or path)."""
        said = first_line(exc)
        lowered = said.lower()
        if "readonly" in lowered or "read-only" in lowered:
            return (
                f"the database is read-only ({said}); make the file and its folder writable "
                "by this user; nothing of it was written"
            )
        if "disk is full" in lowered or "no space left" in lowered or "could not extend file" in lowered:
            return (
                f"the disk holding the database is full ({said}); free some space and try "
                "again; nothing of it was written"
            )
        return f"the database reported: {said}; check that it is reachable and writable (the server log names it)"

    @property
    def safe_url(self) -> str:
        """The URL without its password, for messages and logs."""
        return self.engine.url.render_as_string(hide_password=True)

    def table_names(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(inspect(conn).get_table_names())


def first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return (str(orig) if orig is not None else str(exc)).strip().splitlines()[0]


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # We issue BEGIN ourselves (see _sqlite_on_begin); the driver must not.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_throwaway(dbapi_conn: Any, _record: Any) -> None:
    # A throwaway database (a process test's, a dry run's): commits need not reach the disk.
    dbapi_conn.execute("PRAGMA synchronous=OFF")


def _sqlite_on_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get("steadyflow_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


__all__ = ["Connection", "Database", "normalise_url", "sqlite_url"]

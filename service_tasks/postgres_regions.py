"""Region databases on a PostgreSQL server: one server database per (database, region).

Chosen when ``STEADYFLOW_REGION_DB_URL`` names a PostgreSQL server. The server
database is called ``<database>_<region>`` (lowercased, anything outside
``[a-z0-9_]`` replaced by ``_``, shortened with a hash past PostgreSQL's
63-byte identifier limit so that long names never silently collide).

``CREATE DATABASE`` cannot run in a transaction, so idempotency rests on two
things: the creating job's idempotency key is stored with ``COMMENT ON
DATABASE`` right after creation and compared when the database already exists,
and a session-level advisory lock on the name serialises steadyflow creators of
the same database across threads, processes and hosts, so no one ever sees a
database whose comment is not written yet. The only unprotected window is a
crash between ``CREATE DATABASE`` and ``COMMENT``; the database then looks
foreign and the job fails with DATABASE_EXISTS, saying to drop it.

A creation counts as done (and is reported once) when its meta row commits,
so a failure while applying the schema is retried and still reported once.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.rows import TupleRow

from engine.handlers import BpmnError, NonRetryableError
from service_tasks.region_store import (
    LINKS_TABLE_DDL,
    SCHEMA_DDL,
    CreationRequest,
    CreationResult,
    ReplicationLinks,
    utc_now,
)

CONNECT_TIMEOUT_S = 10
_URL_PREFIXES = ("postgresql+psycopg://", "postgresql://", "postgres://")
_MAX_IDENTIFIER = 63


def normalize_postgres_url(url: str) -> str:
    """The libpq form of a ``postgresql://``, ``postgres://`` or SQLAlchemy-style URL."""
    for prefix in _URL_PREFIXES:
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    scheme = url.split("://", 1)[0] if "://" in url else "(none)"
    raise NonRetryableError(
        f"STEADYFLOW_REGION_DB_URL must be a PostgreSQL URL starting with one of "
        f"{', '.join(_URL_PREFIXES)}; its scheme is {scheme!r}. "
        "Unset it to keep region databases as SQLite files."
    )


def pg_database_name(database: str, region: str) -> str:
    """The server database name for ``database`` in ``region``."""
    raw = f"{database}_{region}".lower()
    name = re.sub(r"[^a-z0-9_]", "_", raw)
    if len(name) > _MAX_IDENTIFIER:
        digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:8]
        name = f"{name[: _MAX_IDENTIFIER - 9]}_{digest}"
    return name


def _lock_key(name: str) -> int:
    digest = hashlib.sha256(f"steadyflow-region-database:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _comment_text(request: CreationRequest, created_at: str) -> str:
    return json.dumps(
        {
            "steadyflow": "region-database",
            "database": request.database,
            "region": request.region,
            "idempotency_key": request.idempotency_key,
            "created_at": created_at,
        },
        sort_keys=True,
    )


def _parse_comment(comment: str | None) -> dict[str, str] | None:
    if not comment:
        return None
    try:
        parsed = json.loads(comment)
    except ValueError:
        return None
    if not isinstance(parsed, dict) or parsed.get("steadyflow") != "region-database":
        return None
    return {str(k): str(v) for k, v in parsed.items()}


class PostgresRegionStore:
    """Creates and inspects region databases on the server ``url`` points at."""

    def __init__(self, url: str) -> None:
        self._url = normalize_postgres_url(url)

    def location(self, database: str, region: str) -> str:
        return pg_database_name(database, region)

    def _connect(self, dbname: str | None = None, autocommit: bool = False) -> psycopg.Connection[TupleRow]:
        conninfo = self._url if dbname is None else make_conninfo(self._url, dbname=dbname)
        return psycopg.connect(conninfo, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT_S)

    def create(self, request: CreationRequest) -> CreationResult:
        name = pg_database_name(request.database, request.region)
        # Closing the connection releases the session-level advisory lock.
        with self._connect(autocommit=True) as admin:
            admin.execute("SELECT pg_advisory_lock(%s)", (_lock_key(name),))
            created_at = utc_now()
            comment = _lookup(admin, name)
            if comment is None:
                try:
                    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                except psycopg.errors.DuplicateDatabase:
                    # Created by someone who does not take our lock: judge it by its comment.
                    comment = _lookup(admin, name) or ""
                else:
                    admin.execute(
                        sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                            sql.Identifier(name),
                            sql.Literal(_comment_text(request, created_at)),
                        )
                    )
            if comment is not None:
                created_at = self._owned_by_this_job(comment, request, name)
            inserted = self._apply_schema(name, request, created_at)
        return CreationResult(location=name, created=inserted, created_at=created_at)

    def _owned_by_this_job(self, comment: str, request: CreationRequest, name: str) -> str:
        """created_at of a database this job made; DATABASE_EXISTS for anyone else's."""
        meta = _parse_comment(comment)
        where = f"database '{request.database}' already exists in region {request.region} (server database {name})"
        if meta is None:
            raise BpmnError(
                "DATABASE_EXISTS",
                f"{where} but steadyflow did not create it; drop it or choose another database name",
            )
        if meta.get("idempotency_key") != request.idempotency_key:
            raise BpmnError(
                "DATABASE_EXISTS",
                f"{where}: another job created it at {meta.get('created_at')}; choose another database name",
            )
        return meta.get("created_at") or utc_now()

    def _apply_schema(self, name: str, request: CreationRequest, created_at: str) -> bool:
        """Apply the schema idempotently; True if this call wrote the meta row."""
        with self._connect(name) as conn:
            for ddl in SCHEMA_DDL:
                conn.execute(ddl)
            cur = conn.execute(
                "INSERT INTO steadyflow_database"
                " (database_name, region, idempotency_key, created_at)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT (database_name) DO NOTHING",
                (request.database, request.region, request.idempotency_key, created_at),
            )
            return cur.rowcount == 1

    def missing(self, database: str, regions: Sequence[str]) -> list[str]:
        names = {region: pg_database_name(database, region) for region in regions}
        with self._connect(autocommit=True) as admin:
            rows = admin.execute(
                "SELECT datname FROM pg_database WHERE datname = ANY(%s)",
                (list(names.values()),),
            ).fetchall()
        present = {row[0] for row in rows}
        return [region for region in regions if names[region] not in present]

    def record_links(self, links: ReplicationLinks) -> None:
        created_at = utc_now()
        with self._connect(pg_database_name(links.database, links.primary)) as conn:
            conn.execute(LINKS_TABLE_DDL)
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO replication_links"
                    " (source_region, target_region, database_name, idempotency_key,"
                    " created_at) VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    [
                        (
                            links.primary,
                            r,
                            links.database,
                            links.idempotency_key,
                            created_at,
                        )
                        for r in links.replicas
                    ],
                )


def _lookup(admin: psycopg.Connection[TupleRow], name: str) -> str | None:
    """None if the database does not exist, else its comment ('' when it has none)."""
    row = admin.execute(
        "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = %s",
        (name,),
    ).fetchone()
    return None if row is None else str(row[0])

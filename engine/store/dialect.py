"""The few statements that differ between SQLite and PostgreSQL.

Statements are built once per (dialect, table, shape) and reused: building an
upsert costs more than running it (every ``excluded`` column is a new proxy).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select, Table
from sqlalchemy.dialects import postgresql, sqlite


@lru_cache(maxsize=64)
def _insert_ignore(dialect: str, table: Table) -> Any:
    module: Any = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing()


@lru_cache(maxsize=64)
def _upsert(dialect: str, table: Table, keys: tuple[str, ...], columns: tuple[str, ...]) -> Any:
    module: Any = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(table)
    return stmt.on_conflict_do_update(index_elements=list(keys), set_={c: stmt.excluded[c] for c in columns})


def insert_ignore(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows whose primary key is new; skip the others (content-addressed blobs)."""
    if rows:
        conn.execute(_insert_ignore(conn.dialect.name, table), list(rows))


def upsert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> None:
    """Insert rows, replacing every non-key column of rows that already exist."""
    if rows:
        columns = tuple(c for c in rows[0] if c not in keys)
        conn.execute(_upsert(conn.dialect.name, table, tuple(keys), columns), list(rows))


@lru_cache(maxsize=64)
def _bulk_insert_sql(
    paramstyle: str, table: Table, columns: tuple[str, ...], conflict: tuple[str, ...] | None, update: bool
) -> str:
    """INSERT text for the driver itself; the same on SQLite and PostgreSQL but for the placeholders."""

    def quote(name: str) -> str:
        return f'"{name}"'

    placeholder = "%({})s" if paramstyle == "pyformat" else ":{}"
    sql = (
        f"INSERT INTO {table.name} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(placeholder.format(c) for c in columns)})"
    )
    if conflict is not None:
        target = ", ".join(quote(c) for c in conflict)
        rest = [c for c in columns if c not in conflict]
        if update and rest:
            sets = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in rest)
            sql += f" ON CONFLICT ({target}) DO UPDATE SET {sets}"
        else:
            sql += f" ON CONFLICT ({target}) DO NOTHING"
    return sql


def bulk_insert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    conflict: Sequence[str] | None = None,
    update: bool = False,
) -> None:
    """Insert many rows of one shape with the driver's executemany: no statement compiling, no per-row
    parameter processing (these tables hold plain strings, numbers and booleans). ``conflict`` names the
    key: rows already there are skipped, or with ``update`` get every other column replaced."""
    if not rows:
        return
    columns = tuple(rows[0])
    key = tuple(conflict) if conflict is not None else None
    sql = _bulk_insert_sql(conn.dialect.paramstyle, table, columns, key, update)
    conn.exec_driver_sql(sql, list(rows))


def for_update(conn: Connection, query: Select[Any], *, skip_locked: bool = False) -> Select[Any]:
    """Row locks on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers."""
    if conn.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=skip_locked)
    return query


__all__ = ["bulk_insert", "for_update", "insert_ignore", "upsert"]

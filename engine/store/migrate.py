"""Schema versions: create on an empty database, refuse to run on an outdated one."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from engine.store.database import Database, first_line
from steadyflow.errors import SchemaOutdatedError, StoreError

MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database) -> str:
    """Bring the schema to the newest revision; safe to run from several processes."""
    config = _config()
    with db.write() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(7301931)"))
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    return head_revision()


def schema_problem(db: Database) -> str | None:
    """None when the schema is at this version's head, else what it is (for ``db wait --for-schema``)."""
    try:
        current = current_revision(db)
    except DBAPIError as exc:
        return f"the database did not answer ({type(exc.orig or exc).__name__})"
    head = head_revision()
    if current == head:
        return None
    return f"the schema is at revision {current or 'none'}, this steadyflow needs {head} (waiting for 'db upgrade')"


def ensure_schema(db: Database, *, create_if_empty: bool = True) -> None:
    """Create the schema in an empty database; raise if an existing one is behind or unreachable."""
    try:
        current = current_revision(db)
    except DBAPIError as exc:
        raise StoreError(
            f"cannot use the database at {db.safe_url}: {first_line(exc)}. "
            "Check that the server is running and that --db (or STEADYFLOW_DB) names it"
        ) from exc
    head = head_revision()
    if current == head:
        return
    if current is None and create_if_empty and "instances" not in db.table_names():
        upgrade(db)
        return
    raise SchemaOutdatedError(
        f"the database at {db.safe_url} has schema revision {current or 'none'}, "
        f"this steadyflow needs {head}: run 'steadyflow db upgrade --db <url>' first"
    )

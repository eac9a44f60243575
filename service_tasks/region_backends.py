"""Choosing where region databases live, per call.

``STEADYFLOW_REGION_DB_URL`` is read on every call rather than at import, so a
worker (or a test) can switch backends without a restart, and the handlers stay
plain functions with no module state to guard between threads.
"""

from __future__ import annotations

import os
from pathlib import Path

from service_tasks.region_store import RegionStore
from service_tasks.sqlite_regions import SqliteRegionStore

REGION_DB_URL_ENV = "STEADYFLOW_REGION_DB_URL"


def open_region_store(data_dir: Path) -> RegionStore:
    """PostgreSQL when ``STEADYFLOW_REGION_DB_URL`` is set, else SQLite files in ``data_dir``."""
    url = os.environ.get(REGION_DB_URL_ENV, "").strip()
    if url:
        # Imported here: psycopg costs a worker without it (SQLite regions) about 40 ms of start-up.
        from service_tasks.postgres_regions import PostgresRegionStore

        return PostgresRegionStore(url)
    return SqliteRegionStore(data_dir)

"""The ``create-replication`` handler: record a database's replication topology.

Job variables: ``database`` and ``regions`` (region names, the primary first),
or, without ``regions``, ``regionDatabases`` (the list of ``regionDatabase``
objects that a multi-instance ``create-database`` collects). Output::

    {"replication": {"database": ..., "primary": ..., "replicas": [...]}}

Every region's database must exist first. A missing one is usually still being
created by a parallel branch, so the first attempts wait with
:class:`RetryLater` (no retry used); from attempt ``GIVE_UP_AFTER_ATTEMPT`` on
the failure is an ordinary exception that names what is missing, so the retry
policy and finally an incident take over instead of waiting forever.

The links (primary -> each replica) go into the primary region's
``replication_links`` table; inserting them again is a no-op, so a repeated
call is harmless.
"""

from __future__ import annotations

import logging
from typing import Any

from engine.handlers import JobContext, RetryLater
from service_tasks.job_inputs import region_list, required_name
from service_tasks.region_backends import open_region_store
from service_tasks.region_store import ReplicationLinks

log = logging.getLogger(__name__)

JOB_TYPE = "create-replication"
RETRY_DELAY_S = 5.0
GIVE_UP_AFTER_ATTEMPT = 3


class RegionDatabaseMissingError(Exception):
    """A region's database is still missing after several attempts (retried by policy)."""


def create_replication(job: JobContext) -> dict[str, Any]:
    """Check every region's database exists, then record primary -> replicas once."""
    database = required_name(job.variables, "database")
    regions = region_list(job.variables)
    store = open_region_store(job.data_dir)
    missing = store.missing(database, regions)
    if missing:
        where = ", ".join(f"{r} ({store.location(database, r)})" for r in missing)
        what = f"database '{database}' does not exist yet in region(s) {where}"
        if job.attempt < GIVE_UP_AFTER_ATTEMPT:
            raise RetryLater(RETRY_DELAY_S, f"{what}; checking again in {RETRY_DELAY_S:g}s")
        raise RegionDatabaseMissingError(
            f"{what} after {job.attempt} attempts; run create-database for "
            f"{', '.join(missing)} first (or fix the 'regions' variable), then retry this job"
        )
    primary, replicas = regions[0], tuple(regions[1:])
    store.record_links(
        ReplicationLinks(
            database=database,
            primary=primary,
            replicas=replicas,
            idempotency_key=job.idempotency_key,
        )
    )
    log.info(
        "replication of %s recorded: %s -> %s",
        database,
        primary,
        ", ".join(replicas) or "-",
    )
    return {
        "replication": {
            "database": database,
            "primary": primary,
            "replicas": list(replicas),
        }
    }

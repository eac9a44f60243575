"""The ``create-database`` handler: really create one region's database, once per job.

Job variables: ``database`` and ``region`` (each: ASCII letters, digits, ``_``,
``-``, 1 to 63 characters). Output::

    {"regionDatabase": {"region": ..., "database": ..., "location": ...}}

``location`` is the SQLite file path, or the server database name when
``STEADYFLOW_REGION_DB_URL`` points at PostgreSQL.

The job's idempotency key makes it safe for the engine to call this again
after a crash or a timeout: a database made by the same job is a harmless
success with the same output; one made by another job is the BPMN error
``DATABASE_EXISTS``, which the model can catch. Each real creation has exactly
one line in ``<data_dir>/regions/creations.log``, even when the attempt that
created it died before writing the line (the next attempt writes it).
"""

from __future__ import annotations

import logging
from typing import Any

from engine.handlers import JobContext
from service_tasks.demo_knobs import apply_demo_knobs
from service_tasks.job_inputs import required_name
from service_tasks.region_backends import open_region_store
from service_tasks.region_store import CreationRequest, append_creation

log = logging.getLogger(__name__)

JOB_TYPE = "create-database"


def create_database(job: JobContext) -> dict[str, Any]:
    """Create ``database`` in ``region`` idempotently and say where it is."""
    database = required_name(job.variables, "database")
    region = required_name(job.variables, "region")
    # Before anything is created, so a demo failure never leaves a half-made database.
    apply_demo_knobs(region)
    request = CreationRequest(
        database=database,
        region=region,
        idempotency_key=job.idempotency_key,
        instance_id=job.instance_id,
    )
    result = open_region_store(job.data_dir).create(request)
    # Also when this job made it on an earlier attempt: that attempt may have died before writing its line.
    append_creation(job.data_dir, request, result.created_at)
    if result.created:
        log.info(
            "created database %s in region %s at %s (instance %s)",
            database,
            region,
            result.location,
            job.instance_id,
        )
    else:
        log.info(
            "database %s in region %s already created by this job (attempt %d)",
            database,
            region,
            job.attempt,
        )
    return {
        "regionDatabase": {
            "region": region,
            "database": database,
            "location": result.location,
        }
    }

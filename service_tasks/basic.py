"""Two trivial handlers: ``log`` and ``noop``.

They let a model be run end to end before its real handlers exist, and give
the worker pool something harmless to call in smoke tests.
"""

from __future__ import annotations

import logging
from typing import Any

from engine.handlers import JobContext

log = logging.getLogger(__name__)


def log_variables(job: JobContext) -> dict[str, Any]:
    """Log the names (never the values, which may be secrets) of the job's variables."""
    log.info(
        "job %s (%s) of instance %s at %s has variables: %s",
        job.job_id,
        job.job_type,
        job.instance_id,
        job.element_id,
        ", ".join(sorted(job.variables)) or "(none)",
    )
    return {}


def noop(job: JobContext) -> dict[str, Any]:
    """Do nothing and return no variables."""
    return {}

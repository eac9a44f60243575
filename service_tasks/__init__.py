"""Service task handlers: the built-ins and the registry that plugins join.

Handler authors need only this package: the registry to add handlers and the
job context and signals from :mod:`engine.handlers`, re-exported here.
"""

from __future__ import annotations

from engine.handlers import BpmnError, JobContext, NonRetryableError, RetryLater
from service_tasks.registry import ServiceTaskRegistry

__all__ = [
    "BpmnError",
    "JobContext",
    "NonRetryableError",
    "RetryLater",
    "ServiceTaskRegistry",
]

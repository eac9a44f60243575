"""steadyflow: a durable BPMN 2.0 process engine.

Embedding::

    from steadyflow import Engine, ServiceTaskRegistry, WorkerPool

    engine = Engine.open("sqlite:///var/steadyflow.db")
    engine.deploy_paths(["examples/database-creation-c8.bpmn"])
    instance = engine.start("database-creation-c8", {"database": "orders", "regions": ["eu", "us"]})
    WorkerPool(engine, ServiceTaskRegistry.default().handler_set()).run_until_idle()
    print(engine.instance(instance.id).state)   # "completed"

Names are imported lazily so that ``steadyflow.errors`` stays importable from
the lowest layer without pulling in the engine.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "Engine": ("engine.engine", "Engine"),
    "EngineConfig": ("engine.config", "EngineConfig"),
    "RetryPolicy": ("engine.retry_policy", "RetryPolicy"),
    "WorkerPool": ("engine.worker", "WorkerPool"),
    "ServiceTaskRegistry": ("service_tasks.registry", "ServiceTaskRegistry"),
    "JobContext": ("engine.handlers", "JobContext"),
    "BpmnError": ("engine.handlers", "BpmnError"),
    "RetryLater": ("engine.handlers", "RetryLater"),
    "NonRetryableError": ("engine.handlers", "NonRetryableError"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'steadyflow' has no attribute {name!r}")


__all__ = ["__version__", *_LAZY]

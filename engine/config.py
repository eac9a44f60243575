"""Engine settings, read from arguments or the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from bpmn.clock import SYSTEM_CLOCK, Clock
from bpmn.expressions.limits import ExpressionLimits
from engine.limits import InputLimits, expression_limits_from_env
from engine.retry_policy import RetryPolicy


@dataclass(frozen=True)
class EngineConfig:
    data_dir: Path = field(default_factory=lambda: Path(os.environ.get("STEADYFLOW_DATA_DIR", "var")))
    db_url: str | None = field(default_factory=lambda: os.environ.get("STEADYFLOW_DB") or None)
    retry_policy: RetryPolicy = field(default_factory=RetryPolicy)
    job_lock_s: float = field(default_factory=lambda: float(os.environ.get("STEADYFLOW_JOB_LOCK_S", "300")))
    """How long a claimed job stays locked; in-flight handlers extend it while they run.
    External clients' locks (Camunda ``lockDuration``) last as asked; a job held by one of our
    pools whose heartbeat stopped is taken over after ``worker_timeout_s`` instead."""
    worker_heartbeat_s: float = field(
        default_factory=lambda: float(os.environ.get("STEADYFLOW_WORKER_HEARTBEAT_S", "2"))
    )
    """How often each worker pool records that it is alive (and looks for dead ones)."""
    worker_timeout_s: float = field(default_factory=lambda: float(os.environ.get("STEADYFLOW_WORKER_TIMEOUT_S", "10")))
    """A pool whose heartbeat is older than this is dead: its jobs are released for others at once."""
    cache_capacity: int = 512
    create_schema: bool = True
    allow_python_scripts: bool = field(
        default_factory=lambda: os.environ.get("STEADYFLOW_ALLOW_PYTHON_SCRIPTS", "").lower() in ("1", "true", "yes")
    )
    """Run Python script tasks in the sandbox (engine/sandbox); off by default, then such models are refused."""
    input_limits: InputLimits = field(default_factory=InputLimits)
    """Variable caps: a handler result past them fails its job with an incident. (The HTTP and CLI
    edges build their own InputLimits from the same environment variables.)"""
    expression_limits: ExpressionLimits = field(default_factory=expression_limits_from_env)
    """How much text one FEEL/JUEL evaluation of this engine may build (STEADYFLOW_MAX_EXPRESSION_TEXT);
    applied to every step and handler of this engine, not to other engines in the process."""
    durable: bool = True
    """False for a throwaway SQLite database (process tests, dry runs): commits skip the fsync. Never for data
    you keep: a crash can lose or corrupt what the last commits wrote."""
    clock: Clock = SYSTEM_CLOCK
    """What "now" is for this engine's timers, job due times and steps; process tests pass a ManualClock."""

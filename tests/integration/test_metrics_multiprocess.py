"""Several processes on one host share one exposition through ``PROMETHEUS_MULTIPROC_DIR``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.integration.test_metrics import samples

_COUNT_STEPS = """
import sys
from engine.metrics import StepMetrics
metrics = StepMetrics()
for _ in range(int(sys.argv[1])):
    metrics.step_committed([{"type": "InstanceStarted"}], 0.002)
metrics.jobs_claimed(["create-database"])
"""
_RENDER = "from engine.metrics import StepMetrics; print(StepMetrics().render())"


def _python(code: str, *args: str, multiproc_dir: Path) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(multiproc_dir)}
    result = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_counters_of_every_process_in_the_folder_are_summed(tmp_path: Path) -> None:
    _python(_COUNT_STEPS, "3", multiproc_dir=tmp_path)
    _python(_COUNT_STEPS, "4", multiproc_dir=tmp_path)

    found = samples(_python(_RENDER, multiproc_dir=tmp_path))

    assert found["steadyflow_steps_total"] == 7
    assert found["steadyflow_instances_started_total"] == 7
    assert found['steadyflow_job_attempts_total{type="create-database"}'] == 2
    assert found["steadyflow_step_duration_seconds_count"] == 7
    assert found['steadyflow_step_duration_seconds_bucket{le="0.0025"}'] == 7


def test_without_the_folder_each_process_reports_its_own_counters(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    code = _COUNT_STEPS + "\nprint(metrics.render())"
    result = subprocess.run(
        [sys.executable, "-c", code, "2"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert samples(result.stdout)["steadyflow_steps_total"] == 2

"""Kill `steadyflow serve` with SIGKILL in the middle of the fan-out; a restart finishes everything."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from engine.config import EngineConfig
from engine.engine import Engine

ROOT = Path(__file__).resolve().parents[2]
REGIONS = ["istanbul", "ankara", "izmir"]

pytestmark = pytest.mark.slow


def _cli(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "steadyflow", *args, "--data-dir", str(data_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(data_dir: Path, delay_s: float, concurrency: int = 3) -> subprocess.Popen[bytes]:
    # The default lock (300 s) on purpose: taking over a dead server's jobs must not depend on short locks.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STEADYFLOW_JOB_LOCK", "STEADYFLOW_WORKER_"))}
    env["STEADYFLOW_DEMO_DELAY_S"] = str(delay_s)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "steadyflow",
            "serve",
            "--data-dir",
            str(data_dir),
            "--port",
            str(_free_port()),
            "--concurrency",
            str(concurrency),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _creations(data_dir: Path) -> list[dict[str, str]]:
    log = data_dir / "regions" / "creations.log"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def test_killed_server_resumes_every_instance_without_duplicates(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEADYFLOW_DB", db_url)  # inherited by every command and server started below
    data_dir = tmp_path / "var"
    deployed = _cli(data_dir, "deploy", "examples/database-creation.bpmn", "examples/database-creation-c8.bpmn")
    assert deployed.returncode == 0, deployed.stderr
    ids = []
    for n in range(3):
        started = _cli(
            data_dir,
            "start",
            "database-creation-c8",
            "--var",
            f'database="c8db{n}"',
            "--var",
            json.dumps(REGIONS).join(["regions=", ""]),
        )
        assert started.returncode == 0, started.stderr
        ids.append(started.stdout.split()[1])
        started = _cli(data_dir, "start", "database-creation", "--var", f'database="c7db{n}"')
        assert started.returncode == 0, started.stderr
        ids.append(started.stdout.split()[1])

    server = _serve(data_dir, delay_s=0.4)
    deadline = time.monotonic() + 60
    while len(_creations(data_dir)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=10)
    created_before_kill = len(_creations(data_dir))
    assert 0 < created_before_kill < 3 * len(REGIONS) + 3 * 2, "the kill must land in the middle of the fan-out"

    restarted = _serve(data_dir, delay_s=0.05)
    engine = Engine(EngineConfig(data_dir=data_dir))
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            states = {engine.instance(i).state for i in ids}
            if states == {"completed"}:
                break
            time.sleep(0.2)
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(timeout=30)

        assert {engine.instance(i).state for i in ids} == {"completed"}
        per_database = Counter((c["region"], c["database"]) for c in _creations(data_dir))
        assert len(per_database) == 3 * len(REGIONS) + 3 * 2
        assert set(per_database.values()) == {1}, "a region database was created twice"
        for instance_id in ids:
            view = engine.view(instance_id)
            seqs = [e["seq"] for e in view.history]
            assert seqs == list(range(1, len(seqs) + 1))
            joins = [e for e in view.history if e["element_id"] == "Gateway_Join" and e["type"] == "ActivityCompleted"]
            if view.instance["definition_key"] == "database-creation":
                assert len(joins) == 1
        assert engine.store_jobs() == []
    finally:
        if restarted.poll() is None:
            restarted.kill()
        engine.close()


def test_restarted_server_takes_over_its_killed_predecessors_jobs_at_once_with_default_locks(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """8 instances of a 3-region fan-out, 1.5 s per region, killed mid-way under the default 300 s lock.

    "At once" is judged by the stored times, not by a wall-clock margin: every job the killed server held
    completes before the lock it held would have expired, so nothing waited for a lock to run out.
    """
    monkeypatch.setenv("STEADYFLOW_DB", db_url)
    data_dir = tmp_path / "var"
    deployed = _cli(data_dir, "deploy", "examples/database-creation-c8.bpmn")
    assert deployed.returncode == 0, deployed.stderr
    ids = []
    for n in range(8):
        regions = json.dumps(REGIONS).join(["regions=", ""])
        started = _cli(data_dir, "start", "database-creation-c8", "--var", f'database="db{n}"', "--var", regions)
        assert started.returncode == 0, started.stderr
        ids.append(started.stdout.split()[1])

    server = _serve(data_dir, delay_s=1.5, concurrency=8)
    deadline = time.monotonic() + 60
    while len(_creations(data_dir)) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=10)
    assert 0 < len(_creations(data_dir)) < 8 * len(REGIONS), "the kill must land in the middle of the fan-out"

    engine = Engine(EngineConfig(data_dir=data_dir))
    restarted: subprocess.Popen[bytes] | None = None
    try:
        held = {job.task_id: job.lock_expires_at for job in engine.store_jobs() if job.lock_owner is not None}
        assert held, "the killed server must have held jobs"
        expiries = [expires for expires in held.values() if expires is not None]
        assert len(expiries) == len(held)
        restarted = _serve(data_dir, delay_s=1.5, concurrency=8)
        restarted_at = time.monotonic()
        # Waiting past the first lock's expiry could no longer tell a takeover from an expired lock.
        wait_s = min(expiries) - time.time()
        while time.monotonic() - restarted_at < wait_s:
            if {engine.instance(i).state for i in ids} == {"completed"}:
                break
            time.sleep(0.2)
        states = Counter(engine.instance(i).state for i in ids)
        assert states == {"completed": 8}, f"before the killed server's locks expired: {dict(states)}"
        print(f"restart: 8 instances completed {time.monotonic() - restarted_at:.1f} s after the restart")
        completed_at = {
            e["task_id"]: e["at"]
            for i in ids
            for e in engine.view(i).history
            if e["type"] == "JobCompleted" and e["task_id"] in held
        }
        assert completed_at.keys() == held.keys()
        late = {task: at for task, at in completed_at.items() if at >= (held[task] or 0)}
        assert not late, f"jobs completed only after the dead server's lock expired: {late}"
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(timeout=30)

        per_database = Counter((c["region"], c["database"]) for c in _creations(data_dir))
        assert len(per_database) == 8 * len(REGIONS)
        assert set(per_database.values()) == {1}, "a region database was created twice"
        for instance_id in ids:
            history = engine.view(instance_id).history
            assert [e["seq"] for e in history] == list(range(1, len(history) + 1))
            completed = Counter(
                e["task_id"]
                for e in history
                if e["type"] == "JobCompleted" and e["element_id"] == "Activity_CreateDatabase"
            )
            assert len(completed) == len(REGIONS) and set(completed.values()) == {1}
        assert engine.store_jobs() == []
    finally:
        if restarted is not None and restarted.poll() is None:
            restarted.kill()
        engine.close()

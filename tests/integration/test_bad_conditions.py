"""A database that cannot be reached, written or grown: one clear error, and no half-written step.

These run on SQLite files (the PostgreSQL outage is ``test_database_lost``). The
test makes a file read-only with chmod, and, because root ignores file modes,
with ``chattr +i`` when it runs as root. A full disk is a ``max_page_count``
set on every new connection: SQLite then fails a write exactly as on a full disk.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from engine.config import EngineConfig
from engine.engine import Engine
from steadyflow.errors import StoreError
from tests.conftest import FAST_RETRIES, deploy
from tests.integration.worker_processes import steadyflow

UNREACHABLE = "postgresql://steadyflow@127.0.0.1:9/steadyflow"  # the discard port: nothing listens


def one_clear_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("steadyflow: error:")
    return lines[0]


@pytest.mark.parametrize("command", [["worker"], ["serve", "--port", "0"], ["instances"], ["start", "any-process"]])
def test_unreachable_database_at_start_is_one_clear_error(command: list[str], tmp_path: Path) -> None:
    line = one_clear_error(steadyflow(UNREACHABLE, tmp_path, *command))
    assert "cannot use the database at postgresql+psycopg://steadyflow@127.0.0.1:9/steadyflow" in line
    assert "Connection refused" in line
    assert "--db (or STEADYFLOW_DB)" in line


def test_unusable_sqlite_folder_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    line = one_clear_error(steadyflow(f"sqlite:///{tmp_path}/a-file/steadyflow.db", tmp_path, "instances"))
    assert "cannot create the folder of the SQLite database" in line


def _engine(tmp_path: Path) -> Engine:
    db = tmp_path / "steadyflow.db"
    return Engine(EngineConfig(data_dir=tmp_path / "data", db_url=f"sqlite:///{db}", retry_policy=FAST_RETRIES))


def _snapshot(engine: Engine, instance_id: str) -> tuple[Any, ...]:
    """The rows a step writes, read without running a step."""
    row = engine.instance(instance_id)
    jobs = [(j.id, j.lock_owner, j.attempt) for j in engine.store_jobs(instance_id=instance_id)]
    return row.version, row.event_seq, row.frame, jobs, len(engine.instances(limit=1000))


def _completed(engine: Engine, job_id: str, instance_id: str) -> bool:
    history = engine.view(instance_id).history
    return any(e["type"] == "JobCompleted" and e["job_id"] == job_id for e in history)


def _chattr(flag: str, path: Path) -> bool:
    return (
        shutil.which("chattr") is not None and subprocess.run(["chattr", flag, str(path)], check=False).returncode == 0
    )


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    files = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
    for file in files:
        file.chmod(0o444)
    immutable = os.geteuid() == 0  # root writes through file modes
    if immutable and not _chattr("+i", path):
        for file in files:
            file.chmod(0o644)
        pytest.skip("running as root without chattr +i: cannot make a file read-only here")
    try:
        yield
    finally:
        if immutable:
            assert _chattr("-i", path)
        for file in files:
            file.chmod(0o644)


def test_read_only_sqlite_file_refuses_steps_clearly_and_writes_nothing(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    deploy(engine, "wide-join.bpmn")
    instance_id = engine.start("wide-join", {}).id
    [job] = engine.claim_jobs("w1", ["branch"], max_jobs=1)
    before = _snapshot(engine, instance_id)
    db_file = tmp_path / "steadyflow.db"
    engine.db.dispose()  # the next connections open the file as it is now

    with read_only(db_file):
        with pytest.raises(StoreError, match=r"is read-only .*make the file and its folder writable"):
            engine.complete_job(job.id, {"done": True}, worker_id="w1")
        with pytest.raises(StoreError, match="read-only"):
            engine.start("wide-join", {})
        line = one_clear_error(steadyflow(f"sqlite:///{db_file}", tmp_path, "start", "wide-join"))
        assert "read-only" in line and "nothing of it was written" in line
        assert _snapshot(engine, instance_id) == before
        engine.db.dispose()

    assert _snapshot(engine, instance_id) == before
    engine.complete_job(job.id, {"done": True}, worker_id="w1")
    assert _completed(engine, job.id, instance_id)
    engine.close()


def _page_count(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA page_count").fetchone()[0])


def test_full_disk_refuses_the_step_clearly_and_writes_nothing(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    deploy(engine, "wide-join.bpmn")
    instance_id = engine.start("wide-join", {}).id
    [job] = engine.claim_jobs("w1", ["branch"], max_jobs=1)
    before = _snapshot(engine, instance_id)
    limit = _page_count(tmp_path / "steadyflow.db")

    def full_disk(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count = {limit}")

    event.listen(engine.db.engine, "connect", full_disk)
    engine.db.dispose()
    big = {"report": "x" * 2_000_000}  # needs far more pages than the file may grow by
    with pytest.raises(StoreError, match=r"disk holding the database is full .*free some space"):
        engine.complete_job(job.id, big, worker_id="w1")
    with pytest.raises(StoreError, match="is full"):
        engine.start("wide-join", big)
    assert _snapshot(engine, instance_id) == before

    event.remove(engine.db.engine, "connect", full_disk)
    engine.db.dispose()
    engine.complete_job(job.id, big, worker_id="w1")
    assert _completed(engine, job.id, instance_id)
    engine.close()

"""``steadyflow db wait``: returns once the database answers; gives up after --timeout with a reason, no URL."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def _db(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "steadyflow", "db", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_wait_returns_at_once_when_the_database_answers(db_url: str, tmp_path: Path) -> None:
    result = _db("wait", "--db", db_url, "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "database answered"


def test_wait_gives_up_after_its_timeout_without_naming_the_server(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://steadyflow:s3cret@127.0.0.1:{port}/nowhere"

    result = _db("wait", "--timeout", "1", "--db", url, "--data-dir", str(tmp_path))

    assert result.returncode == 1
    assert "the database did not answer" in result.stderr
    assert "within 1 s" in result.stderr
    assert "s3cret" not in result.stderr + result.stdout
    assert str(port) not in result.stderr


def test_wait_for_schema_waits_for_the_upgrade(db_url: str, tmp_path: Path) -> None:
    empty = _db("wait", "--for-schema", "--timeout", "0.5", "--db", db_url, "--data-dir", str(tmp_path))
    assert empty.returncode == 1
    assert "the schema is at revision none" in empty.stderr
    assert "waiting for 'db upgrade'" in empty.stderr

    assert _db("upgrade", "--db", db_url, "--data-dir", str(tmp_path)).returncode == 0
    current = _db("wait", "--for-schema", "--db", db_url, "--data-dir", str(tmp_path))
    assert current.returncode == 0, current.stderr
    assert current.stdout.strip() == "database answered, schema is current"

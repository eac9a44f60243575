"""``steadyflow users``: add, list, token, password, remove, with one clear error line on misuse."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from engine.accounts import Accounts
from engine.engine import Engine
from steadyflow.cli import main


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, str, str]:
    code = main(["users", *args, "--data-dir", str(data_dir)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_users_lifecycle(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STEADYFLOW_DB", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO("secret-pass\n"))
    assert run(capsys, tmp_path, "add", "alice", "--role", "operator", "--password-stdin")[:2] == (
        0,
        "added alice (operator)\n",
    )
    code, out, _ = run(capsys, tmp_path, "add", "bob", "--generate")
    assert code == 0 and "password: " in out
    code, out, _ = run(capsys, tmp_path, "list")
    assert "alice" in out and "operator" in out and "bob" in out
    code, token, _ = run(capsys, tmp_path, "token", "alice", "--token-name", "ci")
    with Engine.open(data_dir=tmp_path) as engine:
        accounts = Accounts(engine.db)
        user = accounts.user_for_token(token.strip())
        assert user is not None and user.username == "alice"
        assert accounts.authenticate("alice", "secret-pass") is not None
    code, _, err = run(capsys, tmp_path, "add", "alice")
    assert code == 1 and err.startswith("steadyflow: error: user 'alice' already exists")
    assert run(capsys, tmp_path, "remove", "alice")[0] == 0
    code, _, err = run(capsys, tmp_path, "remove", "alice")
    assert code == 1 and "does not exist" in err
    code, _, err = run(capsys, tmp_path, "add", "bad name!")
    assert code == 1 and "is not allowed" in err

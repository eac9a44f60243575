"""The parent survives whatever the sandbox process does: crashes, silence, floods, stragglers, company."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from engine.sandbox import ScriptError, run_python_script, runner


def fake_child(monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    """Replace the sandbox process with one that misbehaves as ``code`` says."""
    monkeypatch.setattr(runner, "CHILD_COMMAND", (sys.executable, "-c", code))


def fails(timeout_s: float = 2.0) -> ScriptError:
    with pytest.raises(ScriptError) as caught:
        run_python_script("x = 1", {"v": 1}, timeout_s=timeout_s)
    return caught.value


def test_crashed_process_is_a_runtime_error_naming_the_signal(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_child(monkeypatch, "import os; os.abort()")
    error = fails()
    assert error.kind == "runtime" and "SIGABRT" in error.detail


def test_process_out_of_cpu_time_is_a_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_child(monkeypatch, "import os, signal; os.kill(os.getpid(), signal.SIGXCPU)")
    assert fails().kind == "timeout"


def test_process_killed_from_outside_is_reported_as_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_child(monkeypatch, "import os, signal; os.kill(os.getpid(), signal.SIGKILL)")
    assert fails().kind == "memory"


def test_process_dying_of_memory_error_is_a_memory_error(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_child(monkeypatch, "import sys; sys.stderr.write('MemoryError\\n'); sys.exit(1)")
    assert fails().kind == "memory"


def test_garbage_reply_is_a_runtime_error(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_child(monkeypatch, "print('not json')")
    error = fails()
    assert error.kind == "runtime" and "without a reply" in error.detail


def test_reply_of_an_unknown_kind_is_still_a_script_error(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_child(monkeypatch, 'print(\'{"ok": false, "kind": "weird", "message": "m", "line": "x"}\')')
    error = fails()
    assert (error.kind, error.line, error.detail) == ("runtime", None, "m")


def test_flooding_reply_is_an_output_error(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_child(monkeypatch, "import sys; sys.stdout.write('x' * 3_000_000)")
    assert fails().kind == "output"


@pytest.mark.timeout(10)
def test_silent_process_is_killed_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_child(monkeypatch, "import time; time.sleep(60)")
    assert fails(timeout_s=0.3).kind == "timeout"


@pytest.mark.timeout(4)
def test_processes_started_by_the_sandbox_process_die_with_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # The straggler holds our stdout pipe open; only killing the whole group lets us finish.
    fake_child(monkeypatch, "import subprocess, time; subprocess.Popen(['sleep', '60']); time.sleep(60)")
    assert fails(timeout_s=0.3).kind == "timeout"


def test_process_that_cannot_start_is_a_script_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "CHILD_COMMAND", ("/nonexistent/python",))
    error = fails()
    assert error.kind == "runtime" and "could not be started" in error.detail


@pytest.mark.timeout(30)
def test_concurrent_scripts_do_not_disturb_each_other() -> None:
    scripts = [
        ("n = k * 2", None),
        ("x = [0] * 10**10", "memory"),
        ("while True:\n    pass", "timeout"),
        ("n = k + 1", None),
        ("n = 1 / 0", "runtime"),
        ("n = sum(range(k))", None),
    ]

    def run(index: int) -> object:
        source, _ = scripts[index]
        try:
            return run_python_script(source, {"k": 10}, timeout_s=1.0, memory_mb=128)
        except ScriptError as exc:
            return exc.kind

    with ThreadPoolExecutor(max_workers=len(scripts)) as pool:
        outcomes = list(pool.map(run, range(len(scripts))))
    assert outcomes == [{"n": 20}, "memory", "timeout", {"n": 11}, "runtime", {"n": 45}]

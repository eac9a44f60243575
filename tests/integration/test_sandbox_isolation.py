"""The layers under the compile-time policy hold on their own: the process namespace and the OS limits."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from RestrictedPython.compile import compile_restricted

from engine.sandbox import ScriptError
from engine.sandbox.policy import SCRIPT_FILENAME
from engine.sandbox.runner import run_code

# Runs in a fresh interpreter: applies the sandbox's limits, then tries what an escaped script would.
PROBE = """
import json, os, resource, socket
from engine.sandbox.child import limit_resources

limit_resources(128, 1.0)
outcome = {}

def attempt(name, action):
    try:
        action()
        outcome[name] = "allowed"
    except (OSError, MemoryError, ValueError) as exc:
        outcome[name] = type(exc).__name__

attempt("write_file", lambda: open("/tmp/steadyflow-sandbox-probe", "w"))
attempt("read_file", lambda: open("/etc/hostname"))
attempt("socket", lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM))
attempt("fork", lambda: os.fork() == 0 and os._exit(0))
attempt("memory", lambda: bytearray(256 * 1024 * 1024))
attempt("raise_memory_limit", lambda: resource.setrlimit(resource.RLIMIT_AS, (2**40, 2**40)))
outcome["nofile"] = resource.getrlimit(resource.RLIMIT_NOFILE)
outcome["fsize"] = resource.getrlimit(resource.RLIMIT_FSIZE)
outcome["root"] = os.geteuid() == 0
print(json.dumps(outcome))
"""


@pytest.fixture(scope="module")
def probe() -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-I", "-c", PROBE], capture_output=True, timeout=30, check=True, stdin=subprocess.DEVNULL
    )
    outcome: dict[str, object] = json.loads(done.stdout)
    return outcome


@pytest.mark.parametrize("action", ["write_file", "read_file", "socket"])
def test_limited_process_cannot_open_files_or_sockets(probe: dict[str, object], action: str) -> None:
    assert probe[action] == "OSError"  # EMFILE: RLIMIT_NOFILE leaves no free descriptor


def test_limited_process_cannot_start_processes(probe: dict[str, object]) -> None:
    assert probe["fork"] in ("OSError", "BlockingIOError")


def test_limited_process_cannot_grow_past_its_memory_limit(probe: dict[str, object]) -> None:
    assert probe["memory"] == "MemoryError"


def test_limited_process_cannot_raise_its_limits_again(probe: dict[str, object]) -> None:
    assert probe["raise_memory_limit"] == "ValueError"
    assert probe["nofile"] == [3, 3]
    assert probe["fsize"] == [0, 0]


def test_limited_process_does_not_run_as_root(probe: dict[str, object]) -> None:
    assert probe["root"] is False


def run_with_restrictedpython_defaults(source: str) -> ScriptError:
    """Compile with RestrictedPython's own, looser policy (it allows imports) and run in the sandbox."""
    code = compile_restricted(source, SCRIPT_FILENAME, "exec")
    with pytest.raises(ScriptError) as caught:
        run_code(code, {}, timeout_s=2.0, memory_mb=128)
    return caught.value


def test_import_fails_in_the_sandbox_even_if_the_policy_missed_it() -> None:
    error = run_with_restrictedpython_defaults("import os\nos.system('true')")
    assert (error.kind, error.line) == ("runtime", 1)
    assert "ImportError" in error.detail


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("f = open('/etc/passwd')", "open"),
        ("g = globals()", "globals"),
        ("t = type(1)", "type"),
        ("v = getattr(1, 'real')", "getattr"),
        ("c = compile('1', 'x', 'eval')", "compile"),
    ],
)
def test_unsafe_builtins_do_not_exist_in_the_sandbox(source: str, name: str) -> None:
    error = run_with_restrictedpython_defaults(source)
    assert error.kind == "runtime"
    assert f"NameError: name '{name}' is not defined" in error.detail
